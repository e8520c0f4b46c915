"""Load the demo organization "Acme" with 90 days of history. Safe to run again: existing
rows are kept and nothing is added twice (each part is made only while it is missing)."""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
from chorus.actions.members import member_join_program
from chorus.analytics.services.values import value_settings_update
from chorus.care.models import CareTag
from chorus.community.models import Space
from chorus.content.models import ComplianceRule, Post, RuleAction, RuleKind, Source, Suggestion
from chorus.content.services import rules as rule_services
from chorus.core.tenancy import across_organizations, in_organization, runs_in_no_organization
from chorus.demo import activity
from chorus.demo.care import care_add
from chorus.demo.community import seed_community
from chorus.demo.pilot import seed_pilot
from chorus.demo.posts import posts_create
from chorus.demo.reach import reach_add
from chorus.demo.surveys import seed_surveys
from chorus.gamification.models import Badge, Challenge
from chorus.gamification.services.badges import badges_add_suggested
from chorus.notifications.models import Dispatch
from chorus.pilot.models import Pilot
from chorus.sharing.models import Share
from chorus.surveys.models import Survey

DEMO_PASSWORD = os.getenv("DEMO_PASSWORD", "chorus-demo")

STAFF = [
    ("admin@acme.example", "Ada Admin", {"is_admin": True}, "Communications", "Europe"),
    ("curator@acme.example", "Cory Curator", {"is_curator": True}, "Communications", "Europe"),
    ("approver@acme.example", "Alex Approver", {"is_approver": True}, "Legal", "North America"),
    ("trainer@acme.example", "Tess Trainer", {"is_trainer": True}, "People", "Europe"),
]
# Employees are numbered after the first three staff members, whatever staff came later:
# their number picks their language group, the pilot cohort and whether they joined.
FIRST_EMPLOYEE_NUMBER = 3
DEPARTMENTS = ["Sales", "Engineering", "Marketing", "Customer Success", "People"]
REGIONS = ["Europe", "North America", "Asia Pacific"]
LANGUAGES = ["English", "German", "French"]
FIRST = [
    "Maya",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Lucas",
    "Mia",
    "Elias",
    "Lea",
    "Jonas",
    "Chloe",
    "Hugo",
    "Aiko",
    "Ravi",
    "Zoe",
    "Omar",
    "Ines",
    "Felix",
    "Nora",
    "Theo",
]
LAST = [
    "Schmidt",
    "Martin",
    "Rossi",
    "Tanaka",
    "Patel",
    "Novak",
    "Garcia",
    "Dubois",
    "Berg",
    "Kowalski",
]


class Command(BaseCommand):
    help = "Create the demo organization Acme: staff, about 20 employees, 90 days of history."

    @runs_in_no_organization("it creates the demo organization, then fills it")
    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        created, posts, history = self.seed()
        # Printed once the work is committed: output that cannot be written (a closed pipe)
        # must not undo it.
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organization Acme ready ({created} new members, {posts} new posts, "
                f"{history} new shares) in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(f"Sign in at {settings.SITE_URL} with any of these:")
        for email, _name, roles, _dept, _region in STAFF:
            self.stdout.write(f"  {next(iter(roles))[3:]:<9} {email}  password: {DEMO_PASSWORD}")
        self.stdout.write(f"  employee  maya.schmidt@acme.example  password: {DEMO_PASSWORD}")

    @transaction.atomic
    def seed(self) -> tuple[int, int, int]:
        acme, _ = Organization.objects.get_or_create(slug="acme", defaults={"name": "Acme"})
        with in_organization(acme):
            created, posts, history = self.fill(acme)
        if history:
            with across_organizations("the periodic tasks' work on the history just loaded"):
                activity.periodic_work_catch_up()
        with in_organization(acme):
            self.program(acme, history=history)
        return created, posts, history

    def fill(self, acme: Organization) -> tuple[int, int, int]:
        """Members, rules, posts and the history of shares and clicks, each while missing.
        Returns how many members, posts and shares were added."""
        created = members_create(acme)
        staff = {email: User.objects.get(email=email) for email, *_rest in STAFF}
        admin, curator, approver = (staff[email] for email, *_rest in STAFF[:3])
        maya = Membership.objects.get(organization=acme, user__email=MAYA)
        if not ComplianceRule.objects.filter(organization=acme).exists():
            rules_create(acme, curator)
            # What a click and a reaction are worth to Acme: the earned media value.
            value_settings_update(
                organization=acme,
                actor=admin,
                currency="EUR",
                per_click="0.80",
                per_reaction="0.25",
                per_repost="1.50",
                per_reply="0.50",
            )
        if not Badge.objects.filter(organization=acme).exists():
            # Before the history: the points run awards them as members earn them.
            badges_add_suggested(organization=acme, actor=admin)
        posts = []
        if not Post.objects.filter(organization=acme).exists():
            posts = posts_create(organization=acme, curator=curator, approver=approver, admin=admin)
        shares = 0
        if posts and not Share.objects.filter(organization=acme).exists():
            activity.members_backdate(
                organization=acme,
                members=list(Membership.objects.filter(organization=acme).order_by("pk")),
            )
            shares = len(activity.history_add(organization=acme, posts=posts, maya=maya).shares)
        return created, len(posts), shares

    def program(self, acme: Organization, *, history: int) -> None:
        """The headcounts of the history's days, then what runs around it: a challenge,
        rewards and requests, suggestions, the RSS source, Acme's logo and colour, the topics
        members follow, the starter curriculum and practice, the customer care desk; older
        notifications read."""
        admin = User.objects.get(email=STAFF[0][0])
        curator = User.objects.get(email=STAFF[1][0])
        maya = Membership.objects.get(organization=acme, user__email=MAYA)
        if history:
            activity.headcounts_take(organization=acme)
        if not Challenge.objects.filter(organization=acme).exists():
            activity.challenge_add(organization=acme, curator=curator)
        if not activity.rewards_exist(acme):
            activity.rewards_add(organization=acme, admin=admin, maya=maya)
        if not Suggestion.objects.filter(organization=acme).exists():
            activity.suggestions_add(organization=acme, curator=curator, maya=maya)
        if not Source.objects.filter(organization=acme).exists():
            activity.source_add(organization=acme, curator=curator)
        if history:
            # Only with a new history: what an admin changed later is theirs to keep.
            activity.look_set(organization=acme, admin=admin)
            activity.topic_follows_add(organization=acme)
            activity.training_add(
                organization=acme, admin=admin, trainer=User.objects.get(email=TRAINER), maya=maya
            )
        if not CareTag.objects.filter(organization=acme).exists():
            member = {
                email: Membership.objects.get(organization=acme, user__email=email)
                for email in (STAFF[0][0], STAFF[2][0], TRAINER, SOFIA)
            }
            care_add(
                organization=acme,
                admin=member[STAFF[0][0]],
                approver=member[STAFF[2][0]],
                coach=member[TRAINER],
                maya=maya,
                sofia=member[SOFIA],
            )
        if not Dispatch.objects.filter(organization=acme).exists():
            reach_add(organization=acme, maya=maya)
        if not Space.objects.filter(organization=acme).exists():
            seed_community(
                organization=acme,
                curator=Membership.objects.get(organization=acme, user=curator),
                maya=maya,
                sofia=Membership.objects.get(organization=acme, user__email=SOFIA),
            )
        if not Survey.objects.filter(organization=acme).exists():
            seed_surveys(
                acme,
                admin=Membership.objects.get(organization=acme, user=admin),
                maya=maya,
            )
        # After the surveys: the readiness survey's "yes" to the pilot makes suggestions.
        if not Pilot.objects.filter(organization=acme).exists():
            seed_pilot(acme, admin=Membership.objects.get(organization=acme, user=admin), maya=maya)
        if history:
            activity.notifications_tidy(organization=acme)


MAYA = "maya.schmidt@acme.example"
# Certified for customer care and on duty in the demo's care inbox.
SOFIA = "sofia.rossi@acme.example"
TRAINER = "trainer@acme.example"


def members_create(acme: Organization) -> int:
    """Groups, staff and employees (most of them in the program). Returns how many new."""
    groups: dict[tuple[str, str], Group] = {}
    for kind, names in (
        (GroupKind.DEPARTMENT, [*DEPARTMENTS, "Communications", "Legal"]),
        (GroupKind.REGION, REGIONS),
        (GroupKind.LANGUAGE, LANGUAGES),
        (GroupKind.CUSTOM, ["Early adopters", "Best-practice circle"]),
    ):
        for name in names:
            groups[kind, name], _ = Group.objects.get_or_create(
                organization=acme, kind=kind, name=name
            )

    people = [
        (index, email, name, roles, dept, region)
        for index, (email, name, roles, dept, region) in enumerate(STAFF)
    ]
    for index, first in enumerate(FIRST):
        last = LAST[index % len(LAST)]
        people.append(
            (
                FIRST_EMPLOYEE_NUMBER + index,
                f"{first.lower()}.{last.lower()}@acme.example",
                f"{first} {last}",
                {},
                DEPARTMENTS[index % len(DEPARTMENTS)],
                REGIONS[index % len(REGIONS)],
            )
        )

    created = 0
    # One hash for the one demo password (hashing is slow on purpose: 25 of them took
    # half the seed's time).
    password: str | None = None
    for index, email, name, roles, department, region in people:
        user = User.objects.filter(email=email).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            user = User.objects.create_user(email, None, name=name)
            user.password = password
            user.save(update_fields=["password"])
            if roles.get("is_admin"):
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        membership, new = Membership.objects.get_or_create(
            organization=acme, user=user, defaults=roles
        )
        if new:
            created += 1
            membership.groups.add(
                groups[GroupKind.DEPARTMENT, department],
                groups[GroupKind.REGION, region],
                groups[GroupKind.LANGUAGE, LANGUAGES[index % len(LANGUAGES)]],
            )
            if index % 4 == 0:
                membership.groups.add(groups[GroupKind.CUSTOM, "Early adopters"])
            # Most demo employees have joined the program (as if they had ticked the
            # terms themselves: the consent is recorded in their name); a few have not,
            # to show the invitation to join.
            if not roles and index % 5 != 4:
                member_join_program(
                    membership=membership, actor=user, terms_version=acme.program_terms_version
                )
    return created


def rules_create(acme: Organization, curator: User) -> None:
    """The compliance rules, made through the same services the pages use."""
    rule_services.rule_create(
        organization=acme,
        actor=curator,
        kind=RuleKind.DISCLOSURE,
        value="#employee",
        action=RuleAction.WARN,
        auto_append=True,
        note="Regulators expect employees to say they work here.",
    )
    rule_services.rule_create(
        organization=acme,
        actor=curator,
        kind=RuleKind.BLOCKED_TERM,
        value="guaranteed returns",
        note="Financial promotion rules.",
    )
    rule_services.rule_create(
        organization=acme, actor=curator, kind=RuleKind.DENIED_DOMAIN, value="competitor.example"
    )
