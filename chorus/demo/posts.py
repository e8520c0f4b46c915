"""The demo's posts: a quarter of a communications team's work, in several campaigns, each
with a picture, in every state a post goes through. Made through the post services (the
editor's path: create with images, submit, approve or reject, publish, archive), then
dated back to when they would have happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Organization, User
from chorus.actions.posts import post_archive
from chorus.content.models import Network, Post, PostTransition, PostVersion
from chorus.content.services import posts as post_services
from chorus.demo.pictures import post_picture
from chorus.notifications.models import Notification

LIVE, SCHEDULED, IN_REVIEW, DRAFT, REJECTED, ARCHIVED, EXPIRED = (
    "live",
    "scheduled",
    "in_review",
    "draft",
    "rejected",
    "archived",
    "expired",
)


@dataclass(frozen=True)
class Plan:
    title: str
    campaign: str
    topics: tuple[str, ...]
    state: str = LIVE
    # Days before today it went live (scheduled: negative, days to come).
    days_ago: int = 0
    by_admin: bool = False


CLOUD, LIFE, NET_ZERO, CUSTOMERS, AUTUMN = (
    "Acme Cloud 3.0",
    "Life at Acme",
    "Net zero",
    "Customer stories",
    "Autumn launch",
)
PLANS = [
    Plan("Acme opens its Lisbon office", LIFE, ("Culture", "Careers"), days_ago=0),
    Plan("Acme Cloud 3.0 is here: faster, greener, simpler", CLOUD, ("Product",), days_ago=86),
    Plan("Five questions customers asked about Cloud 3.0", CLOUD, ("Product",), days_ago=80),
    Plan(
        "Why we rebuilt our storage engine from scratch",
        CLOUD,
        ("Product", "Engineering"),
        days_ago=73,
    ),
    Plan("Cloud 3.0 pricing, explained in two minutes", CLOUD, ("Product",), days_ago=64),
    Plan("Migrating to Cloud 3.0 in a weekend: a checklist", CLOUD, ("Product",), days_ago=41),
    Plan("Acme Cloud 3.0 now runs in Singapore", CLOUD, ("Product",), days_ago=17),
    Plan(
        "Security at Acme: our SOC 2 report is public", CLOUD, ("Product", "Security"), days_ago=6
    ),
    Plan("A day with our support team in Kraków", LIFE, ("Culture",), days_ago=84),
    Plan("We're hiring 40 engineers this quarter", LIFE, ("Careers",), days_ago=77, by_admin=True),
    Plan("What our interns built this summer", LIFE, ("Culture", "Careers"), days_ago=69),
    Plan("Parental leave at Acme: six months for every parent", LIFE, ("Culture",), days_ago=55),
    Plan("Meet Aiko, who runs our Tokyo data centre", LIFE, ("Culture",), days_ago=44),
    Plan("Our learning budget, one year on", LIFE, ("Culture", "Careers"), days_ago=29),
    Plan("Volunteering week: 3,000 hours for our cities", LIFE, ("Culture",), days_ago=12),
    Plan(
        "Our carbon footprint, measured and published", NET_ZERO, ("Sustainability",), days_ago=82
    ),
    Plan("How our data centres run on wind", NET_ZERO, ("Sustainability",), days_ago=60),
    Plan(
        "Acme joins the Climate Pledge", NET_ZERO, ("Sustainability",), days_ago=35, by_admin=True
    ),
    Plan(
        "Repair, don't replace: our hardware programme", NET_ZERO, ("Sustainability",), days_ago=20
    ),
    Plan(
        "Sustainability report: the numbers behind the pledge",
        NET_ZERO,
        ("Sustainability",),
        days_ago=3,
    ),
    Plan("How Nordhafen Logistics halved its paperwork", CUSTOMERS, ("Customers",), days_ago=75),
    Plan(
        "City of Porto moves its permits online with Acme", CUSTOMERS, ("Customers",), days_ago=58
    ),
    Plan("A hospital that schedules 9,000 shifts a week", CUSTOMERS, ("Customers",), days_ago=38),
    Plan("From spreadsheets to Acme: a retailer's story", CUSTOMERS, ("Customers",), days_ago=24),
    Plan("Customer awards: this year's winners", CUSTOMERS, ("Customers", "Events"), days_ago=9),
    Plan("Join us at Web Summit, stand B-214", AUTUMN, ("Events",), days_ago=50),
    Plan("Autumn launch: everything we announced", AUTUMN, ("Product", "Events"), days_ago=47),
    Plan("Live demo recording: Acme Flows", AUTUMN, ("Product",), days_ago=1),
    Plan("Our summer party in pictures", LIFE, ("Culture",), state=ARCHIVED, days_ago=88),
    Plan("Early-bird offer for Acme Summit", AUTUMN, ("Events",), state=EXPIRED, days_ago=66),
    Plan("Meet the team behind Acme Cloud 3.0", CLOUD, ("Product", "Culture"), SCHEDULED, -3),
    Plan("Acme Summit: the agenda is out", AUTUMN, ("Events",), state=SCHEDULED, days_ago=-8),
    Plan("Our sustainability report is out", NET_ZERO, ("Sustainability",), IN_REVIEW, 2),
    Plan("Cloud 3.0 benchmark: twice as fast as 2.0", CLOUD, ("Product",), IN_REVIEW, 1),
    Plan("Our new benefits for 2027", LIFE, ("Culture",), IN_REVIEW, 1, by_admin=True),
    Plan("Sales kick-off: what customers told us", CUSTOMERS, ("Customers",), DRAFT),
    Plan("Holiday opening hours", "", ("Customers",), DRAFT),
    Plan("Acme Invest: our best fund ever", "", ("Product",), REJECTED, by_admin=True),
]
# What the communications team tells members about each campaign's posts.
WHY = {
    CLOUD: "Customers ask about Cloud 3.0 every day: say what it changes for the ones you know.",
    LIFE: "The best hires come from people who know us: tell your network what it's like here.",
    NET_ZERO: "Say what we are doing, and what is still ahead; numbers beat adjectives.",
    CUSTOMERS: "A customer said it better than we could: add why it matters in your field.",
    AUTUMN: "Events fill up from personal invitations: tag who should be there.",
}
REJECTION = "Promises returns we can't make; ask Legal for the approved wording."


def _slug(title: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in title.lower().split(":")[0])
    return "-".join(part for part in kept.split("-") if part)


def _captions(plan: Plan) -> dict[str, str]:
    return {
        Network.LINKEDIN: f"{plan.title}. Proud of what our teams built. #employee",
        Network.X: f"{plan.title} #employee",
        Network.BLUESKY: f"{plan.title} #employee",
    }


def _picture(plan: Plan, number: int, organization: Organization) -> SimpleUploadedFile:
    data = post_picture(
        title=plan.title, campaign=plan.campaign, organization=organization.name, seed=number
    )
    return SimpleUploadedFile(f"{_slug(plan.title)}.jpg", data, content_type="image/jpeg")


def _date_back(post: Post, *, went_live: datetime, notifications_after: int) -> None:
    """Move the post's history to when it happened: written a day before it went live,
    submitted, approved and published in the hours before."""
    created = went_live - timedelta(days=1)
    Post.objects.filter(pk=post.pk).update(created_at=created)
    PostVersion.objects.filter(post=post).update(created_at=created)
    transitions = PostTransition.objects.filter(post=post).order_by("pk")
    for step, (pk, to_state) in enumerate(transitions.values_list("pk", "to_state")):
        moment = min(went_live, created + timedelta(hours=4 * (step + 1)))
        if to_state == LIVE:
            moment = went_live
        elif to_state == ARCHIVED:
            moment = went_live + timedelta(days=30)
        PostTransition.objects.filter(pk=pk).update(created_at=moment)
    Notification.objects.filter(organization=post.organization, pk__gt=notifications_after).update(
        created_at=went_live
    )


def posts_create(
    *, organization: Organization, curator: User, approver: User, admin: User
) -> list[Post]:
    """Every planned post, in its state, with its picture; returns them."""
    now = timezone.now()
    today = timezone.localdate()
    sales = Group.objects.get(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    made = []
    for number, plan in enumerate(PLANS):
        author = admin if plan.by_admin else curator
        went_live = now - timedelta(days=plan.days_ago, hours=3 + number % 5)
        if plan.days_ago == 0:
            went_live = now - timedelta(hours=2)
        details = post_services.PostDetails(topic_names=list(plan.topics))
        if plan.state in (LIVE, ARCHIVED, EXPIRED, SCHEDULED):
            details.publish_start = went_live
            if plan.state == SCHEDULED:
                details.publish_end = went_live + timedelta(days=14)
        if number == 0:
            details.post_of_the_day = today
        if plan.state == DRAFT and plan.campaign == CUSTOMERS:
            details.target_all, details.target_groups = False, [sales]
        last_notification = (
            Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
        )
        post = post_services.post_create(
            organization=organization,
            actor=author,
            title=plan.title,
            commentary=WHY.get(plan.campaign, "Share it in your own words."),
            link_url=f"https://acme.example/news/{_slug(plan.title)}",
            captions=_captions(plan),
            campaign=plan.campaign,
            details=details,
            images=[(_picture(plan, number, organization), plan.title)],
        )
        made.append(post)
        if plan.state == DRAFT:
            continue
        post_services.post_submit(post=post, actor=author)
        if plan.state == IN_REVIEW:
            # Waiting for the approver since then (written the day before).
            _date_back(post, went_live=went_live, notifications_after=last_notification or 0)
            continue
        if plan.state == REJECTED:
            post_services.post_reject(post=post, actor=approver, reason=REJECTION)
            continue
        post_services.post_approve(post=post, actor=approver)
        post_services.post_publish(post=post, actor=author)
        if plan.state == ARCHIVED:
            post_archive(post=post, actor=curator, reason="The pictures are out of date.")
        if plan.state == EXPIRED:
            # Its window ended: the scheduler's own step moves it (below, all at once).
            Post.objects.filter(pk=post.pk).update(publish_end=went_live + timedelta(days=10))
        if plan.days_ago > 0:
            _date_back(post, went_live=went_live, notifications_after=last_notification or 0)
    post_services.posts_advance_schedule()
    return [Post.objects.get(pk=post.pk) for post in made]
