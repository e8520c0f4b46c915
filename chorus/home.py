"""The home page: the sections each of a member's roles calls for, most urgent first.

An employee in the program gets the post of the day, what would help them share, the new
posts of their feed, their week and the challenge running for them; a curator, the posts
to publish or rework, members' suggestions and new feed items, what is scheduled and the
best posts of the week; an approver, what waits for their review; a trainer, the practice
answers waiting for their feedback; an admin, what is broken, the invitations and reward
requests waiting, and the program's health. Someone with several roles gets all of theirs.
A member not in the program is invited to join, without pressure. A queue with nothing in
it is not a card: it is one line of "All caught up".

Every figure is read by the selectors of the app that owns it (`<app>/selectors/home.py`);
this module only chooses and orders. Above every app in the import layers, as
chorus/navigation.py: it names pages of all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chorus.accounts.models import Membership, Organization
from chorus.accounts.selectors import home as account_home
from chorus.analytics.rollups import today as site_today
from chorus.analytics.selectors import home as analytics_home
from chorus.care.selectors import home as care_home
from chorus.community.selectors import home as community_home
from chorus.content.models import PostState
from chorus.content.selectors import home as content_home
from chorus.core.waiting import waiting
from chorus.gamification.selectors import home as gamification_home
from chorus.gamification.services.points import gamification_enabled
from chorus.pilot.selectors import pilot as pilot_selectors
from chorus.sharing.selectors import home as sharing_home
from chorus.surveys.selectors import home as surveys_home
from chorus.training.selectors import policy as policy_selectors
from chorus.training.selectors.scenarios import responses_for_review

# How urgent a section is: the page shows the most urgent first (then in role order).
BROKEN = 0  # something stopped working
DECIDE = 10  # someone waits for this member's decision
SHARE = 20  # the member's own next step
WAITING = 30  # queues to work through when there is time
GLANCE = 40  # figures to look at
INVITE = 50  # joining the program, for members with other work


@dataclass(frozen=True)
class Section:
    """One card: its template is core/home/<name>.html, given `data`."""

    name: str
    priority: int
    data: Any = None
    wide: bool = False

    @property
    def template(self) -> str:
        return f"core/home/{self.name}.html"


@dataclass(frozen=True)
class Todo:
    """Something that would help a member, with the page where they do it."""

    icon: str
    text: str
    link_text: str
    url: str


@dataclass
class Home:
    sections: list[Section] = field(default_factory=list)
    # Queues with nothing in them, one sentence each.
    all_clear: list[str] = field(default_factory=list)


# -- to-dos: what would help an employee -------------------------------------------------

TodoSource = Callable[[Organization, Membership], list[Todo]]


def _sharing_todos(organization: Organization, membership: Membership) -> list[Todo]:
    found = sharing_home.sharing_todos(organization=organization, membership=membership)
    connections = reverse("connections")
    history = reverse("share_history")
    todos = []
    for account in found.reconnect:
        if account.expired or account.expires_at is None:
            text = _(
                "Your %(network)s account is no longer connected. Reconnect it and Chorus "
                "can publish for you there again."
            ) % {"network": account.label}
        else:
            text = _(
                "Your %(network)s connection lapses on %(date)s. Reconnect it to keep "
                "scheduled shares going."
            ) % {"network": account.label, "date": date_format(account.expires_at)}
        todos.append(
            Todo(
                "plug",
                text,
                _("Reconnect %(network)s") % {"network": account.label},
                connections,
            )
        )
    for share in found.approved.first:
        todos.append(
            Todo(
                "circle-check",
                _("Your text for “%(post)s” was approved: it is ready to share.")
                % {"post": share.post.title},
                _("Open your approved text"),
                history,
            )
        )
    if found.approved.more:
        todos.append(
            Todo(
                "circle-check",
                ngettext(
                    "%(count)d more approved text is ready to share.",
                    "%(count)d more approved texts are ready to share.",
                    found.approved.more,
                )
                % {"count": found.approved.more},
                _("See all your shares"),
                history,
            )
        )
    if found.failed:
        todos.append(
            Todo(
                "circle-alert",
                ngettext(
                    "A scheduled share could not be published this week.",
                    "%(count)d scheduled shares could not be published this week.",
                    found.failed.count,
                )
                % {"count": found.failed.count},
                _("See what happened in your shares"),
                history,
            )
        )
    if found.can_connect:
        todos.append(
            Todo(
                "plug",
                _(
                    "Connect your %(networks)s account and Chorus can publish your shares for "
                    "you, now or at a time you choose. Optional: share links always work."
                )
                # Translators: joins network names, as in "Mastodon or Bluesky".
                % {"networks": _(" or ").join(found.can_connect)},
                _("Connect an account"),
                connections,
            )
        )
    return todos


def _pilot_todos(organization: Organization, membership: Membership) -> list[Todo]:
    """A personal invitation to the pilot, waiting for the member's answer (one query)."""
    if pilot_selectors.pending_invitation(membership=membership) is None:
        return []
    return [
        Todo(
            "users",
            _("You are invited to the pilot of the advocacy program. Saying no is fine."),
            _("Read the invitation"),
            reverse("pilot_invitation"),
        )
    ]


def _survey_todos(organization: Organization, membership: Membership) -> list[Todo]:
    """Surveys sent to the member that they have not answered or declined (one query)."""
    return [
        Todo(
            "message-square-quote",
            _("A short survey is waiting: %(title)s. Your answers are anonymous.")
            % {"title": found.survey.title},
            _("Answer the survey"),
            reverse("surveys_answer", args=[found.survey_id]),
        )
        for found in surveys_home.surveys_waiting(organization=organization, membership=membership)
    ]


def _space_todos(organization: Organization, membership: Membership) -> list[Todo]:
    """Invitations to best-practice spaces waiting for the member's answer (one query)."""
    return [
        Todo(
            "users",
            _("You are invited to the space “%(name)s”.") % {"name": invitation.space.name},
            _("Answer the invitation"),
            reverse("community_spaces"),
        )
        for invitation in community_home.invitations_waiting(
            organization=organization, membership=membership
        )
    ]


# Each app that has something to help members with adds its function here: certifications
# about to lapse (training) and surveys waiting for an answer (surveys) when those land.
TODO_SOURCES: tuple[TodoSource, ...] = (
    _sharing_todos,
    _pilot_todos,
    _survey_todos,
    _space_todos,
)


# -- sections per role -------------------------------------------------------------------


def _employee(home: Home, organization: Organization, membership: Membership, points: bool) -> None:
    day = site_today()
    # Sharing waits for the current social media policy: acknowledging it comes first.
    if policy_selectors.required_before_sharing(organization=organization):
        due = policy_selectors.version_due(membership=membership)
        if due is not None:
            home.sections.append(Section("policy", SHARE, due, wide=True))
    feed = sharing_home.feed_glance(organization=organization, membership=membership, today=day)
    if feed.post_of_the_day is not None:
        home.sections.append(Section("post_of_the_day", SHARE, feed.post_of_the_day, wide=True))
    todos = [todo for source in TODO_SOURCES for todo in source(organization, membership)]
    if todos:
        home.sections.append(Section("todos", SHARE + 1, todos))
    if feed.new:
        home.sections.append(Section("new_posts", SHARE + 2, feed))
    else:
        home.all_clear.append(_("You have seen every post in your feed."))
    monday = day - timedelta(days=day.weekday())
    week = {
        "since": monday,
        "figures": analytics_home.member_figures_since(
            organization=organization, membership=membership, since=monday
        ),
        "points": gamification_home.week_points(organization=organization, membership=membership)
        if points
        else None,
    }
    home.sections.append(Section("week", GLANCE, week))
    if points:
        running = gamification_home.challenge_running(membership=membership, today=day)
        if running is not None:
            home.sections.append(Section("challenge", GLANCE + 1, running))


def _curator(home: Home, organization: Organization) -> None:
    counts = content_home.post_counts(organization=organization)
    publishing = {
        "approved": content_home.posts_in_state(
            organization=organization, state=PostState.APPROVED
        ),
        "approved_count": counts[PostState.APPROVED],
        "rejected": content_home.posts_in_state(
            organization=organization, state=PostState.REJECTED
        ),
        "rejected_count": counts[PostState.REJECTED],
        "in_review_count": counts[PostState.IN_REVIEW],
    }
    if publishing["approved_count"] or publishing["rejected_count"]:
        home.sections.append(Section("publishing", DECIDE + 1, publishing))
    elif publishing["in_review_count"]:
        home.sections.append(Section("publishing", WAITING + 1, publishing))
    else:
        home.all_clear.append(_("No post is waiting to be published or reworked."))
    ideas = {
        "suggestions": content_home.suggestions_pending(organization=organization),
        "items": content_home.source_items_new(organization=organization),
    }
    if ideas["suggestions"] or ideas["items"]:
        home.sections.append(Section("ideas", WAITING, ideas))
    else:
        home.all_clear.append(_("No suggestion or feed item is waiting."))
    scheduled = {
        "posts": content_home.posts_scheduled(organization=organization),
        "count": counts[PostState.SCHEDULED],
    }
    if scheduled["count"]:
        home.sections.append(Section("scheduled", GLANCE + 2, scheduled))
    else:
        home.all_clear.append(_("Nothing is scheduled."))
    best = analytics_home.best_posts(organization=organization, today=site_today())
    if best:
        home.sections.append(Section("best_posts", GLANCE + 3, best))


def _approver(home: Home, organization: Organization) -> None:
    review = {
        "posts": content_home.posts_waiting_for_review(organization=organization),
        "shares": sharing_home.shares_waiting_for_review(organization=organization),
    }
    if review["posts"] or review["shares"]:
        home.sections.append(Section("review", DECIDE, review))
    else:
        home.all_clear.append(_("Nothing is waiting for your review."))


# How many waiting practice answers the trainer's card names.
PRACTICE_ANSWERS_SHOWN = 3


def _trainer(home: Home, organization: Organization, membership: Membership) -> None:
    # A trainer's own answers wait for another trainer: not counted as theirs to review.
    answers = waiting(
        responses_for_review(organization=organization).exclude(membership=membership),
        limit=PRACTICE_ANSWERS_SHOWN,
    )
    if answers:
        home.sections.append(Section("practice_reviews", DECIDE + 2, answers))
    else:
        home.all_clear.append(_("No practice answer is waiting for your feedback."))


def _attention(home: Home, organization: Organization, *, admin: bool) -> None:
    """What stopped working: failing sources (curators and admins), connected accounts and
    network settings (admins)."""
    sources = content_home.sources_failing(organization=organization)
    connections = sharing_home.connection_trouble(organization=organization) if admin else None
    if sources or connections:
        home.sections.append(
            Section("attention", BROKEN, {"sources": sources, "connections": connections})
        )
    elif admin:
        home.all_clear.append(_("Sources and network connections work."))
    else:
        home.all_clear.append(_("Every source is read without errors."))


def _admin(home: Home, organization: Organization, points: bool) -> None:
    queue = {
        "invitations": account_home.invitation_counts(organization=organization),
        "rewards": gamification_home.reward_requests_waiting(organization=organization)
        if points
        else None,
    }
    if queue["invitations"] or queue["rewards"]:
        home.sections.append(Section("admin_queue", WAITING + 2, queue))
    else:
        home.all_clear.append(
            _("No invitation or reward request is open.") if points else _("No invitation is open.")
        )
    home.sections.append(
        Section("health", GLANCE + 4, analytics_home.program_health(organization=organization))
    )


def _care(home: Home, membership: Membership) -> None:
    """An agent (who opted in to answer customers): the conversations waiting for them."""
    if not care_home.is_care_agent(membership=membership):
        return
    found = care_home.conversations_waiting(membership=membership)
    if found:
        home.sections.append(Section("care_waiting", DECIDE + 3, found))
    else:
        home.all_clear.append(_("No customer conversation is waiting for you."))


def home_for(*, organization: Organization, membership: Membership) -> Home:
    """The member's home: the sections of each of their roles, most urgent first."""
    home = Home()
    points = gamification_enabled(organization_id=organization.pk)
    if membership.is_advocate:
        _employee(home, organization, membership, points)
    if membership.is_curator or membership.is_admin:
        _attention(home, organization, admin=membership.is_admin)
    if membership.is_curator:
        _curator(home, organization)
    if membership.is_approver:
        _approver(home, organization)
    if membership.is_trainer:
        _trainer(home, organization, membership)
    if membership.is_admin:
        _admin(home, organization, points)
    _care(home, membership)
    if not membership.is_advocate:
        # An invitation to the pilot usually reaches people who have not joined yet, and
        # so does a survey (readiness asks them before they join) or a space (people learn
        # from colleagues before they decide).
        invited = [
            *_pilot_todos(organization, membership),
            *_survey_todos(organization, membership),
            *_space_todos(organization, membership),
        ]
        if invited:
            home.sections.append(Section("todos", SHARE + 1, invited))
        # The whole page for an employee; a quiet card after the work for other roles.
        alone = not home.sections
        join = {"status": membership.program_status, "alone": alone}
        home.sections.append(Section("join", INVITE, join, wide=alone))
    # sorted() is stable: sections of the same urgency keep their roles' order.
    home.sections.sort(key=lambda section: section.priority)
    return home
