"""What the demo's members did with its posts over the last 90 days, and what followed from
it: shares, clicks and engagement from the history generator (the benchmarks' own, at a
small scale), then the figures, points, badges and leaderboards computed by the real
periodic work, and the program around them (a running challenge, rewards and requests,
suggestions, an RSS source read from a file shipped here, notifications)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from chorus.accounts.models import Membership, Organization, User
from chorus.accounts.services.branding import organization_set_accent_color, organization_set_logo
from chorus.actions.suggestions import suggestion_accept
from chorus.analytics.rollups import headcount_snapshot, rollups_refresh
from chorus.content.feeds import FeedResponse, parse_feed
from chorus.content.models import Post, PostState, Source, Topic
from chorus.content.services import sources as source_services
from chorus.content.services import suggestions as suggestion_services
from chorus.demo.history import History, history_fill
from chorus.demo.pictures import logo_picture
from chorus.gamification.awards import points_refresh
from chorus.gamification.models import Challenge, ChallengeMetric, Reward
from chorus.gamification.selectors.challenges import progress
from chorus.gamification.services import challenges as challenge_services
from chorus.gamification.services import rewards as reward_services
from chorus.gamification.services.points import points_balance
from chorus.links.services.links import new_code, short_url_base, tracked_destination
from chorus.notifications.models import Notification
from chorus.notifications.services.notifications import notifications_mark_read
from chorus.sharing.services.topics import topic_follows_set
from chorus.training.models import Choice, Course, GateAction, RsvpState, Scenario, ScenarioState
from chorus.training.services.certification import (
    CertificationFields,
    certificates_award_due,
    certification_create,
)
from chorus.training.services.gates import gate_add
from chorus.training.services.lessons import lesson_mark_read
from chorus.training.services.policy import (
    policy_acknowledge,
    policy_publish,
    policy_start_from_template,
)
from chorus.training.services.quizzes import attempt_answer, attempt_start
from chorus.training.services.scenarios import response_submit, scenario_create
from chorus.training.services.sessions import SessionFields, rsvp_set, session_create
from chorus.training.services.starter import starter_curriculum_add

DAYS = 90
# Of the benchmarks' full size (500,000 shares, 10 million clicks): about 300 shares and
# 2,000 clicks, for two dozen members (each new visitor is awarded its points one by one,
# as the worker does: fewer clicks keep the seed quick).
SCALE = 0.0006
CLICK_SCALE = 0.0002
FEED = Path(__file__).parent / "data" / "acme-news.xml"
# Networks the demo's members connected (the made-up accounts are on servers under
# .example, which never answer: reading their metrics back fails quietly).
CONNECTIONS = (("mastodon", 0.35), ("bluesky", 0.3))
SERVERS = {"mastodon": "https://social.acme.example", "bluesky": "https://pds.acme.example"}
# Members rarely post the suggested caption as it is: a few say it their way.
OPENERS = [
    "",
    "",
    "Proud of this one. ",
    "Worth two minutes of your time: ",
    "My team worked on this for months. ",
    "If you work with us, this one is for you. ",
    "Good news from Acme: ",
]


def _share_text(post: Post, network: str, code: str, *, base: str) -> str:
    captions = {caption.network: caption.text for caption in post.captions.all()}
    caption = captions.get(network) or captions.get("linkedin") or post.title
    opener = OPENERS[int(hashlib.sha256(code.encode()).hexdigest(), 16) % len(OPENERS)]
    return f"{opener}{caption} {base}/l/{code}"


def history_add(*, organization: Organization, posts: Sequence[Post], maya: Membership) -> History:
    """Shares, links, engagement and clicks for the posts that went live, by the members in
    the program; Maya is one of the keenest. The last two days' shares are only opened."""
    members = list(Membership.objects.filter(organization=organization).order_by("pk"))
    shared = [
        Post.objects.prefetch_related("captions").get(pk=post.pk)
        for post in posts
        if post.state in (PostState.LIVE, PostState.EXPIRED, PostState.ARCHIVED)
    ]
    base = short_url_base(organization_id=organization.pk)
    return history_fill(
        organization=organization,
        memberships=members,
        posts=shared,
        scale=SCALE,
        click_scale=CLICK_SCALE,
        days=DAYS,
        member_boost={maya.pk: 8.0},
        connection_chances=CONNECTIONS,
        connection_instances=SERVERS,
        connection_token="demo-token",  # made up: these accounts do not exist
        code=lambda _link_id: new_code(),
        text=lambda post, network, code: _share_text(post, network, code, base=base),
        destination=lambda post, network, _code: tracked_destination(
            post.link_url, network=network, campaign=post.campaign
        ),
        opened_since=timezone.now() - timedelta(days=2),
    )


def members_backdate(*, organization: Organization, members: Sequence[Membership]) -> None:
    """Everyone was here, and those in the program had joined, before the history starts."""
    start = timezone.now() - timedelta(days=DAYS + 30)
    for index, member in enumerate(members):
        moment = start + timedelta(days=index % 15, hours=index)
        Membership.objects.filter(pk=member.pk).update(created_at=moment)
        if member.program_status_changed_at is not None:
            Membership.objects.filter(pk=member.pk).update(
                program_status_changed_at=moment + timedelta(days=3)
            )


def periodic_work_catch_up() -> dict[str, int]:
    """What the worker's periodic tasks would have done as the history happened: the
    analytics rollups of every changed day, then points (and badges) for every share,
    new visitor and engagement. Must run across organizations, as those tasks do."""
    done = rollups_refresh()
    # One run reads up to 50,000 new clicks: far more than the demo has.
    return {"days": done["days"], **points_refresh()}


def headcounts_take(*, organization: Organization) -> None:
    """Each day's headcount (program members, connected, sharing), oldest first: the
    funnel, participation and concentration read them."""
    today = timezone.localdate()
    for back in range(DAYS - 1, -1, -1):
        headcount_snapshot(organization_id=organization.pk, day=today - timedelta(days=back))


def challenge_add(*, organization: Organization, curator: User) -> Challenge:
    """A two-week shares challenge on the Cloud 3.0 campaign, started nine days ago."""
    today = timezone.localdate()
    challenge = challenge_services.challenge_create(
        organization=organization,
        actor=curator,
        fields=challenge_services.ChallengeFields(
            title="Cloud 3.0 share sprint",
            description="Tell your network about Acme Cloud 3.0: every share counts.",
            metric=ChallengeMetric.SHARES,
            campaign="Acme Cloud 3.0",
            target=10,
            member_target=3,
            starts_on=today,
            ends_on=today + timedelta(days=5),
            prize="The team that shares most picks the next team lunch.",
        ),
    )
    # It started nine days ago (the form takes no start in the past).
    Challenge.objects.filter(pk=challenge.pk).update(
        starts_on=today - timedelta(days=9), created_at=timezone.now() - timedelta(days=10)
    )
    challenge.refresh_from_db()
    done = progress(challenge).total
    # A goal the group is well on the way to: about two thirds done.
    Challenge.objects.filter(pk=challenge.pk).update(target=max(10, round(done * 1.5)))
    return challenge


REWARDS = [
    ("Acme hoodie", "Organic cotton, in the colour of your team.", 300, 40),
    ("Donation to a charity", "€25 to a charity you choose, in your name.", 400, 100),
    ("Coffee with the CEO", "Thirty minutes, your questions.", 900, 5),
    ("Extra day off", "One more day of holiday this year.", 2500, 10),
]


def rewards_add(*, organization: Organization, admin: User, maya: Membership) -> None:
    """The catalogue, a request approved and one waiting: Maya's, and the next best
    earner's, where their points allow."""
    rewards = [
        reward_services.reward_create(
            organization=organization,
            actor=admin,
            fields=reward_services.RewardFields(
                name=name, description=description, price=price, stock=stock
            ),
        )
        for name, description, price, stock in REWARDS
    ]
    hoodie, donation = rewards[0], rewards[1]
    others = sorted(
        Membership.objects.filter(organization=organization, program_status="joined").exclude(
            pk=maya.pk
        ),
        key=lambda member: -points_balance(membership=member),
    )
    _request(maya, donation, approved_by=admin)
    _request(maya, hoodie, approved_by=None)
    for number, member in enumerate(others[:2]):
        _request(member, hoodie, approved_by=admin if number == 0 else None)


def _request(member: Membership, reward: Reward, *, approved_by: User | None) -> None:
    try:
        request = reward_services.reward_request(membership=member, reward=reward)
    except ValidationError:
        return  # not enough points (the figures came out lower): no request
    if approved_by is not None:
        reward_services.reward_decide(request=request, actor=approved_by, approve=True)


SUGGESTIONS = [
    ("https://acme.example/blog/cloud-3-benchmarks", "Customers keep asking me for numbers."),
    ("https://news.example/2026/best-places-to-work", "We're on the list! Great for hiring."),
    ("https://acme.example/events/lisbon-meetup", "Local developers would love this."),
    ("https://podcast.example/episodes/acme-cto", "Our CTO on the future of cloud costs."),
    ("https://analyst.example/reports/cloud-platforms", "An analyst ranks us first!"),
]


def suggestions_add(*, organization: Organization, curator: User, maya: Membership) -> None:
    """Members' suggestions: Maya's accepted (a draft for the curators, points for her),
    one declined, the others waiting."""
    members = list(
        Membership.objects.filter(organization=organization, program_status="joined")
        .exclude(pk=maya.pk)
        .order_by("pk")
    )
    authors = [maya, *members[: len(SUGGESTIONS) - 1]]
    made = [
        suggestion_services.suggestion_create(membership=author, url=url, reason=reason)
        for author, (url, reason) in zip(authors, SUGGESTIONS, strict=False)
    ]
    suggestion_accept(suggestion=made[0], actor=curator, title="Acme Cloud 3.0 benchmarks")
    suggestion_services.suggestion_decline(
        suggestion=made[-1],
        actor=curator,
        reason="Analyst reports are licensed: we can't share this one.",
    )


def source_add(*, organization: Organization, curator: User) -> Source:
    """The newsroom's feed, read from the file shipped here by the parser the poller uses,
    its items queued as a poll queues them. The file's dates are moved so that its newest
    item is from this morning. The demo's feed address does not exist, so the source is
    paused: nothing is ever fetched for it."""
    feed = parse_feed(FEED.read_bytes())
    dates = [entry.published_at for entry in feed.entries if entry.published_at]
    if dates:
        shift = timezone.now() - timedelta(hours=3) - max(dates)
        for entry in feed.entries:
            if entry.published_at:
                entry.published_at += shift
    source = Source.objects.create(
        organization=organization,
        url="https://acme.example/newsroom",
        feed_url="https://acme.example/newsroom/feed.xml",
        created_by=curator,
    )
    response = FeedResponse(feed_url=source.feed_url, feed=feed)
    source_services._source_store(source=source, response=response, now=timezone.now())
    source_services.source_update(source=source, actor=curator, title=source.title, enabled=False)
    items = list(source.items.order_by("-published_at"))
    if len(items) > 2:
        source_services.source_item_create_draft(item=items[-1], actor=curator)
        source_services.source_item_dismiss(item=items[-2], actor=curator)
    return source


def notifications_tidy(*, organization: Organization) -> None:
    """What is older than three days has been read."""
    before = timezone.now() - timedelta(days=3)
    old = Notification.objects.filter(organization=organization, created_at__lt=before)
    by_member: dict[int, list[int]] = {}
    for pk, membership_id in old.values_list("pk", "membership_id"):
        by_member.setdefault(membership_id, []).append(pk)
    for membership in Membership.objects.filter(pk__in=by_member):
        notifications_mark_read(membership=membership, ids=by_member[membership.pk])


def rewards_exist(organization: Organization) -> bool:
    return Reward.objects.filter(organization=organization).exists()


# Acme's blue: white text on it passes WCAG AA, as the accent colour must.
ACCENT = (29, 78, 216)
# Who follows what (the rest follow nothing, and see the feed in its usual order):
# Maya the product news and the culture posts, some colleagues what their team writes about.
FOLLOWS: dict[str, tuple[str, ...]] = {
    "maya.schmidt@acme.example": ("Product", "Culture"),
}
FOLLOWED_BY_TEAM: dict[str, tuple[str, ...]] = {
    "Engineering": ("Engineering", "Product"),
    "Sales": ("Product",),
}


def look_set(*, organization: Organization, admin: User) -> None:
    """Acme's logo and accent colour, through the same services as the admin's page."""
    organization_set_logo(
        organization=organization,
        actor=admin,
        data=logo_picture(name=organization.name, color=ACCENT),
        name="acme-logo.png",
    )
    organization_set_accent_color(
        organization=organization, actor=admin, value="#{:02x}{:02x}{:02x}".format(*ACCENT)
    )


def topic_follows_add(*, organization: Organization) -> int:
    """Members who follow topics (Maya among them); returns how many follow some."""
    topics = {topic.name: topic.pk for topic in Topic.objects.filter(organization=organization)}
    members = Membership.objects.filter(organization=organization, is_active=True).select_related(
        "user"
    )
    following = 0
    for member in members.order_by("pk"):
        names: tuple[str, ...] = FOLLOWS.get(member.user.email, ())
        if member.user.email not in FOLLOWS and member.pk % 2:
            # Every other member of a team that follows something, from its groups.
            groups = sorted(set(member.groups.values_list("name", flat=True)))
            names = next((FOLLOWED_BY_TEAM[g] for g in groups if g in FOLLOWED_BY_TEAM), ())
        chosen = [topics[name] for name in names if name in topics]
        if chosen:
            topic_follows_set(membership=member, topic_ids=chosen)
            following += 1
    return following


# Practice the trainer wrote, and Maya's answer waiting for her feedback.
SCENARIO = (
    "A customer complains on X",
    "A customer posts on X: *“Third day without access to my Acme dashboard and support "
    "still hasn't answered. Is anyone at Acme even listening?”* They tag the company and a "
    "few colleagues, you among them. Write the reply you would post from your own account.",
)
MAYA_ANSWER = (
    "I'm sorry, that's frustrating. I work at Acme (#employee) and I've passed this to our "
    "support team; they'll reply to you here today. Could you DM them your ticket number?"
)


def training_add(
    *, organization: Organization, admin: User, trainer: User, maya: Membership
) -> None:
    """The starter curriculum, with Maya done with the policy course (quiz passed), halfway
    through LinkedIn, and a practice answer waiting for the trainer; then certifications,
    the published policy and the coming sessions."""
    courses = {
        course.starter_key: course
        for course in starter_curriculum_add(organization=organization, actor=trainer)
    }
    policy = courses["policy"]
    for lesson in policy.lessons.all():
        lesson_mark_read(membership=maya, lesson=lesson)
    attempt = attempt_start(membership=maya, course=policy)
    for drawn in attempt.drawn:
        right = Choice.objects.filter(question_id=drawn["question"], is_correct=True)
        attempt_answer(
            membership=maya,
            attempt=attempt,
            question_id=drawn["question"],
            choice_ids=list(right.values_list("pk", flat=True)),
        )
    first = courses["linkedin"].lessons.order_by("position", "pk").first()
    if first is not None:
        lesson_mark_read(membership=maya, lesson=first)
    coach = Membership.objects.get(organization=organization, user=trainer)
    title, situation = SCENARIO
    scenario = scenario_create(
        membership=coach,
        title=title,
        situation=situation,
        network="x",
        state=ScenarioState.PUBLISHED,
        course=courses["crisis"],
    )
    response_submit(membership=maya, scenario=scenario, text=MAYA_ANSWER)
    head = Membership.objects.get(organization=organization, user=admin)
    certifications_add(admin=head, coach=coach, maya=maya, courses=courses, scenario=scenario)
    policy_add(coach=coach, maya=maya)
    sessions_add(coach=coach, maya=maya)


def certifications_add(
    *,
    admin: Membership,
    coach: Membership,
    maya: Membership,
    courses: dict[str, Course],
    scenario: Scenario,
) -> None:
    """Two certifications: the social media one (the policy course, which Maya holds) that
    sharing to X asks for, and customer care (the crisis course and the practice answer the
    trainer has yet to review) that answering customers asks for."""
    social = certification_create(
        membership=coach,
        fields=CertificationFields(
            name="Social media certification",
            description="The policy and disclosure: what every advocate knows before sharing.",
            courses=[courses["policy"]],
            refresher_courses=[courses["policy"]],
            validity_months=12,
        ),
    )
    care = certification_create(
        membership=coach,
        fields=CertificationFields(
            name="Customer care certification",
            description="Answering customers in public from your own account.",
            courses=[courses["crisis"]],
            scenarios=[scenario],
            validity_months=12,
        ),
    )
    certificates_award_due(membership=maya)
    gate_add(membership=admin, action=GateAction.NETWORK, certification=social, network="x")
    gate_add(membership=admin, action=GateAction.CARE, certification=care)


def policy_add(*, coach: Membership, maya: Membership) -> None:
    """The social media policy from Chorus's template, published; Maya acknowledged it."""
    policy_start_from_template(membership=coach)
    version = policy_publish(membership=coach, note="")
    policy_acknowledge(membership=maya, version=version)


def sessions_add(*, coach: Membership, maya: Membership) -> None:
    """A LinkedIn profile clinic next week (Maya goes) and a monthly best-practice meeting."""
    today = timezone.localdate()
    clinic = session_create(
        membership=coach,
        fields=SessionFields(
            title="LinkedIn profile clinic",
            description="Bring your profile: we improve headline, photo and about together.",
            starts_on=today + timedelta(days=6),
            starts_time=time(11, 0),
            time_zone="Europe/Berlin",
            minutes=45,
            location="Berlin office, room Spree",
            capacity=12,
        ),
    )
    rsvp_set(membership=maya, session=clinic[0], state=RsvpState.GOING)
    session_create(
        membership=coach,
        fields=SessionFields(
            title="Best-practice meeting",
            description="What worked this month, and what did not: bring a share.",
            starts_on=today + timedelta(days=13),
            starts_time=time(16, 0),
            time_zone="Europe/Berlin",
            kind="meeting",
            video_url="https://meet.acme.example/best-practice",
        ),
        frequency="monthly",
        occurrences=3,
    )
