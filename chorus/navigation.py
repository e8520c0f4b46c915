"""The app shell's navigation: what each member sees, grouped by what their roles do.

On a desktop the sections fill a sidebar; on a phone the most used pages are a tab bar at
the bottom and the rest sits behind "More". A section shows only the pages the member's
roles allow (the pages check again), and the sections of someone's main work are open.

Above every app in the import layers: it names pages of all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from chorus.care.access import is_care_member
from chorus.gamification.services.points import gamification_enabled


@dataclass(frozen=True)
class Item:
    label: Any
    url_name: str
    icon: str
    # URL names (or prefixes ending in "_") of the pages this item stands for.
    matches: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_current(self, current: str) -> bool:
        names = (self.url_name, *self.matches)
        return any(
            current == name or (name.endswith("_") and current.startswith(name)) for name in names
        )


@dataclass
class Section:
    title: Any
    items: list[Item] = field(default_factory=list)
    open: bool = True
    current: bool = False


# A trainer's pages of one course: the course, its lessons and its questions.
COURSE_PAGES = (
    "training_course",
    "training_course_",
    "training_lesson",
    "training_lesson_",
    "training_question",
    "training_question_",
)


def _care(membership: Any) -> Section:
    """Customer care: the inbox for those who work in it (care staff, and agents who opted
    in: not a role, so a predicate decides), the offer to answer customers for everyone,
    the team for admins."""
    # Open for those who answer customers, and for care staff whose own work it is (an
    # admin's own work is administration: folded for them unless they answer customers).
    care = Section(
        pgettext_lazy("navigation", "Customer care"),
        open=membership.answers_customers
        or (membership.has_role("approver", "curator") and not membership.is_admin),
    )
    if is_care_member(membership):
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Inbox"),
                "care_inbox",
                "inbox",
                ("care_conversation", "care_conversation_", "care_saved_view_"),
            )
        )
    care.items.append(
        Item(
            pgettext_lazy("navigation", "Answer customers"),
            "care_me",
            "message-square-quote",
            ("care_opt_in", "care_opt_out", "care_duty"),
        )
    )
    if membership.has_role("approver"):
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Reply approvals"),
                "care_approvals",
                "circle-check",
                ("care_reply_approve", "care_reply_return"),
            )
        )
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Approved replies"),
                "care_templates",
                "file-text",
                ("care_template_",),
            )
        )
    if membership.has_role("curator"):
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Crisis flags"),
                "care_crisis_list",
                "flag",
                ("care_crisis_resolve", "care_crisis_pause", "care_crisis_resume"),
            )
        )
    if membership.is_admin:
        care.items.append(
            Item(pgettext_lazy("navigation", "Care team"), "care_team", "users", ("care_team_",))
        )
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Care sources"),
                "care_sources",
                "rss",
                ("care_source_", "care_inbound_", "care_new"),
            )
        )
    if membership.has_role("approver", "curator"):
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Care reports"),
                "care_reports",
                "chart-column",
                ("care_reports_",),
            )
        )
    if membership.is_admin:
        care.items.append(
            Item(
                pgettext_lazy("navigation", "Care settings"),
                "care_settings",
                "settings",
                ("care_settings_",),
            )
        )
    return care


# Labels are translated in the "navigation" context: the same English word elsewhere
# ("Share" as a noun, "Review" as a verb) may read differently there.
def _sections(membership: Any, points: bool) -> list[Section]:
    advocate = membership.is_advocate
    curator = membership.is_curator or membership.is_admin
    approver = membership.is_approver or membership.is_admin
    trainer = membership.is_trainer or membership.is_admin
    admin = membership.is_admin
    share = Section(pgettext_lazy("navigation", "Share"))
    if advocate:
        share.items += [
            Item(
                pgettext_lazy("navigation", "Feed"), "feed", "newspaper", ("share_dialog", "share_")
            ),
            Item(pgettext_lazy("navigation", "Your shares"), "share_history", "share-2"),
            Item(pgettext_lazy("navigation", "Your topics"), "topic_follows", "tag"),
            Item(
                pgettext_lazy("navigation", "Connected accounts"),
                "connections",
                "plug",
                ("connection_",),
            ),
            # A customer's post a member saw somewhere, handed to the care team.
            Item(pgettext_lazy("navigation", "Send to care"), "care_send", "message-square-quote"),
        ]
    else:
        share.items.append(Item(pgettext_lazy("navigation", "Join the program"), "program", "flag"))
    share.items.append(
        Item(
            pgettext_lazy("navigation", "Suggest content"),
            "my_suggestions",
            "lightbulb",
            ("suggest_",),
        )
    )
    you = Section(pgettext_lazy("navigation", "You"))
    if advocate:
        you.items.append(
            Item(pgettext_lazy("navigation", "Your stats"), "analytics_me", "chart-column")
        )
    # Every member may learn, in the program or not (certification can come before joining).
    you.items.append(
        Item(
            pgettext_lazy("navigation", "Learning"),
            "learning",
            "graduation-cap",
            (
                "course_detail",
                "lesson_",
                "quiz_",
                "practice",
                "practice_",
                "my_certificates",
                "certificate_detail",
                "policy",
                "policy_",
                "sessions",
                "session_",
            ),
        )
    )
    # Best-practice spaces: every member may listen and ask, in the program or not.
    # Curators and admins moderate every space: theirs is under Content.
    spaces = Item(
        pgettext_lazy("navigation", "Spaces"), "community_spaces", "users", ("community_",)
    )
    if not curator:
        you.items.append(spaces)
    if points:
        if advocate:
            you.items.append(Item(pgettext_lazy("navigation", "Points"), "my_points", "star"))
        if advocate or curator:
            you.items.append(
                Item(pgettext_lazy("navigation", "Leaderboard"), "leaderboard", "trophy")
            )
        if advocate:
            you.items.append(
                Item(
                    pgettext_lazy("navigation", "Challenges"),
                    "challenges",
                    "flag",
                    ("challenge_detail",),
                )
            )
        you.items += [
            Item(pgettext_lazy("navigation", "Badges"), "badges", "award"),
            Item(pgettext_lazy("navigation", "Rewards"), "rewards", "gift", ("reward_",)),
        ]
    sections = [share, you]
    # Care comes with a member's own work; for the staff it comes after their own sections.
    care = _care(membership)
    if not (curator or approver or trainer):
        sections.append(care)
    if curator:
        # An admin's own work is administration: their other sections start closed.
        content = Section(pgettext_lazy("navigation", "Content"), open=membership.is_curator)
        content.items += [
            Item(pgettext_lazy("navigation", "Posts"), "posts", "file-text", ("post_",)),
            Item(pgettext_lazy("navigation", "Calendar"), "calendar", "calendar"),
            Item(
                pgettext_lazy("navigation", "Feed queue"), "curation_queue", "inbox", ("curation_",)
            ),
            Item(pgettext_lazy("navigation", "Sources"), "sources", "rss", ("source_",)),
            Item(pgettext_lazy("navigation", "Topics"), "topics_manage", "tag"),
            Item(
                pgettext_lazy("navigation", "Suggestions"),
                "suggestions",
                "message-square-quote",
                ("suggestion_",),
            ),
        ]
        if points:
            content.items.append(
                Item(
                    pgettext_lazy("navigation", "Challenges"),
                    "manage_challenges",
                    "trophy",
                    ("manage_challenge",),
                )
            )
        content.items.append(spaces)
        if admin:
            # Listening before pushing: anonymous pulse surveys, run by admins. Here (folded
            # for admins) rather than in Insights: an admin's open sections are full.
            content.items.append(
                Item(
                    pgettext_lazy("navigation", "Surveys"),
                    "surveys_manage",
                    "message-square-quote",
                    (
                        "surveys_manage_",
                        "surveys_results",
                        "surveys_question_",
                        "surveys_send",
                        "surveys_close",
                    ),
                )
            )
        sections.append(content)
    if approver:
        sections.append(
            Section(
                pgettext_lazy("navigation", "Review"),
                open=membership.is_approver,
                items=[
                    Item(
                        pgettext_lazy("navigation", "Review queue"),
                        "review_queue",
                        "circle-check",
                        ("review_",),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Edited captions"),
                        "caption_review_queue",
                        "shield-check",
                        ("caption_review_",),
                    ),
                ],
            )
        )
    if trainer:
        sections.append(
            Section(
                pgettext_lazy("navigation", "Training"),
                open=membership.is_trainer,
                items=[
                    Item(
                        pgettext_lazy("navigation", "Courses"),
                        "training_courses",
                        "graduation-cap",
                        COURSE_PAGES,
                    ),
                    Item(
                        pgettext_lazy("navigation", "Practice scenarios"),
                        "training_scenarios",
                        "message-square-quote",
                        ("training_scenario_new", "training_scenario_edit"),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Practice reviews"),
                        "training_scenario_reviews",
                        "circle-check",
                        ("training_scenario_review",),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Certifications"),
                        "training_certifications",
                        "award",
                        (
                            "training_certification",
                            "training_certification_",
                            "training_certificate_",
                        ),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Sessions"),
                        "training_sessions",
                        "calendar",
                        ("training_session", "training_session_"),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Social media policy"),
                        "training_policy",
                        "scroll-text",
                        ("training_policy_",),
                    ),
                    Item(
                        pgettext_lazy("navigation", "Reports"),
                        "training_reports",
                        "chart-column",
                        ("training_report",),
                    ),
                ],
            )
        )
        if admin:
            sections[-1].items.append(
                Item(
                    pgettext_lazy("navigation", "What needs certification"),
                    "training_gates",
                    "shield-check",
                    ("training_gate_",),
                )
            )
    if curator or approver or trainer:
        sections.append(care)
    if curator or approver:
        sections.append(
            Section(
                pgettext_lazy("navigation", "Insights"),
                [
                    Item(
                        pgettext_lazy("navigation", "Analytics"),
                        "analytics_dashboard",
                        "layout-dashboard",
                        ("analytics_post", "suspicious_", "visitor_"),
                    )
                ],
            )
        )
    if admin:
        administration = Section(pgettext_lazy("navigation", "Administration"))
        administration.items += [
            Item(pgettext_lazy("navigation", "Members"), "members", "users", ("member_",)),
            Item(
                pgettext_lazy("navigation", "Invitations"),
                "invitations",
                "mail",
                ("invitation", "member_import"),
            ),
            Item(pgettext_lazy("navigation", "Groups"), "groups", "users", ("group_",)),
            Item(
                pgettext_lazy("navigation", "Compliance rules"),
                "rules",
                "shield",
                ("rule_", "content_policy"),
            ),
            Item(pgettext_lazy("navigation", "Networks"), "network_settings", "share-2"),
            # Badges are made from the Gamification page, and suspicious visitors are
            # found from Analytics: the menu stays within 20 links.
            Item(
                pgettext_lazy("navigation", "Gamification"),
                "gamification_settings",
                "star",
                ("gamification_", "manage_badge"),
            ),
            Item(pgettext_lazy("navigation", "Writing help"), "writing_settings", "lightbulb"),
        ]
        if points:
            administration.items += [
                Item(
                    pgettext_lazy("navigation", "Reward requests"),
                    "manage_rewards",
                    "gift",
                    ("manage_reward",),
                ),
            ]
        administration.items += [
            Item(
                pgettext_lazy("navigation", "Channels"),
                "reach_channels",
                "send",
                (
                    "reach_channel",
                    "reach_nudges",
                    "delivery_log",
                    "slack_manage",
                    "slack_install",
                    "slack_channels",
                    "slack_route_",
                    "teams_",
                ),
            ),
            Item(pgettext_lazy("navigation", "Webhooks"), "webhooks", "plug", ("webhook_",)),
            Item(
                pgettext_lazy("navigation", "Single sign-on"),
                "identity_sso",
                "shield-check",
                ("identity_",),
            ),
            Item(pgettext_lazy("navigation", "Audit log"), "audit_log", "scroll-text"),
            Item(
                pgettext_lazy("navigation", "Organization"),
                "organization_settings",
                "building-2",
                ("organization_",),
            ),
        ]
        sections.append(administration)
    return [section for section in sections if section.items]


def _tabs(membership: Any, points: bool) -> list[Item]:
    """The phone's tab bar: the pages this member opens most, then notifications."""
    notifications = Item(
        pgettext_lazy("navigation", "Alerts"), "notifications", "bell", ("notification_",)
    )
    if membership.is_advocate:
        third = (
            Item(pgettext_lazy("navigation", "Points"), "my_points", "star")
            if points
            else Item(pgettext_lazy("navigation", "Stats"), "analytics_me", "chart-column")
        )
        return [
            Item(
                pgettext_lazy("navigation", "Feed"), "feed", "newspaper", ("share_dialog", "share_")
            ),
            Item(pgettext_lazy("navigation", "Shares"), "share_history", "share-2"),
            third,
            notifications,
        ]
    if membership.is_admin:
        work = Item(pgettext_lazy("navigation", "Members"), "members", "users", ("member_",))
    elif membership.is_curator:
        work = Item(pgettext_lazy("navigation", "Posts"), "posts", "file-text", ("post_",))
    elif membership.is_approver:
        work = Item(
            pgettext_lazy("navigation", "Review"), "review_queue", "circle-check", ("review_",)
        )
    elif membership.is_trainer:
        work = Item(
            pgettext_lazy("navigation", "Courses"),
            "training_courses",
            "graduation-cap",
            COURSE_PAGES,
        )
    else:
        work = Item(pgettext_lazy("navigation", "Program"), "program", "flag")
    return [Item(pgettext_lazy("navigation", "Home"), "home", "house"), work, notifications]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav_sections` (sidebar, "More"), `nav_tabs` (phone) and
    `gamification_on` (whether points, ranks and badges may be shown)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"gamification_on": False}
    points = gamification_enabled(organization_id=membership.organization_id)
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.url_name else ""
    sections = _sections(membership, points)
    for section in sections:
        section.current = any(item.is_current(current) for item in section.items)
        section.open = section.open or section.current
    tabs = _tabs(membership, points)
    return {
        "gamification_on": points,
        "nav_home": Item(pgettext_lazy("navigation", "Home"), "home", "house"),
        "nav_sections": sections,
        "nav_tabs": tabs,
        "nav_current": current,
        # "More" is lit for pages behind it; the home page is reached from the brand.
        "nav_more_current": current not in ("home", "")
        and not any(tab.is_current(current) for tab in tabs),
    }
