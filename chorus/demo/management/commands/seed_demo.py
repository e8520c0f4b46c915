"""Load the demo organization "Acme". Safe to run again: existing rows are kept."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
from chorus.actions.members import member_join_program
from chorus.content.models import Network, Post, RuleAction, RuleKind
from chorus.content.services import posts as post_services
from chorus.content.services import rules as rule_services
from chorus.core.tenancy import in_organization, runs_in_no_organization

DEMO_PASSWORD = os.getenv("DEMO_PASSWORD", "chorus-demo")

STAFF = [
    ("admin@acme.example", "Ada Admin", {"is_admin": True}, "Communications", "Europe"),
    ("curator@acme.example", "Cory Curator", {"is_curator": True}, "Communications", "Europe"),
    ("approver@acme.example", "Alex Approver", {"is_approver": True}, "Legal", "North America"),
]
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
    help = "Create the demo organization Acme with staff and about 20 employees."

    @runs_in_no_organization("it creates the demo organization, then fills it")
    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        acme, _ = Organization.objects.get_or_create(slug="acme", defaults={"name": "Acme"})
        with in_organization(acme):
            self.fill(acme)

    def fill(self, acme: Organization) -> None:
        groups: dict[tuple[str, str], Group] = {}
        for kind, names in (
            (GroupKind.DEPARTMENT, [*DEPARTMENTS, "Communications", "Legal"]),
            (GroupKind.REGION, REGIONS),
            (GroupKind.LANGUAGE, LANGUAGES),
            (GroupKind.CUSTOM, ["Pilot cohort", "Best-practice circle"]),
        ):
            for name in names:
                groups[kind, name], _ = Group.objects.get_or_create(
                    organization=acme, kind=kind, name=name
                )

        people = [(email, name, roles, dept, region) for email, name, roles, dept, region in STAFF]
        for index, first in enumerate(FIRST):
            last = LAST[index % len(LAST)]
            people.append(
                (
                    f"{first.lower()}.{last.lower()}@acme.example",
                    f"{first} {last}",
                    {},
                    DEPARTMENTS[index % len(DEPARTMENTS)],
                    REGIONS[index % len(REGIONS)],
                )
            )

        created = 0
        for index, (email, name, roles, department, region) in enumerate(people):
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, name=name)
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
                    membership.groups.add(groups[GroupKind.CUSTOM, "Pilot cohort"])
                # Most demo employees have joined the program (as if they had ticked the
                # terms themselves: the consent is recorded in their name); a few have not,
                # to show the invitation to join.
                if not roles and index % 5 != 4:
                    member_join_program(
                        membership=membership, actor=user, terms_version=acme.program_terms_version
                    )

        posts = seed_content(acme) if not Post.objects.filter(organization=acme).exists() else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organization Acme ready ({created} new members, {posts} new posts)."
            )
        )
        self.stdout.write(f"Sign in at {settings.SITE_URL} with any of these:")
        for email, _name, roles, _dept, _region in STAFF:
            self.stdout.write(f"  {next(iter(roles))[3:]:<9} {email}  password: {DEMO_PASSWORD}")
        self.stdout.write(f"  employee  maya.schmidt@acme.example  password: {DEMO_PASSWORD}")


def seed_content(acme: Organization) -> int:
    """Rules and posts in every state, made through the same services the pages use."""
    curator = User.objects.get(email="curator@acme.example")
    approver = User.objects.get(email="approver@acme.example")
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
    now = timezone.now()
    sales = Group.objects.get(organization=acme, kind=GroupKind.DEPARTMENT, name="Sales")
    plans = [
        ("Acme opens its Lisbon office", "live", {"post_of_the_day": now.date()}),
        (
            "Meet the team behind Acme Cloud 3.0",
            "scheduled",
            {"publish_start": now + timedelta(days=3), "publish_end": now + timedelta(days=10)},
        ),
        ("Our sustainability report is out", "in_review", {}),
        (
            "Sales kick-off: what customers told us",
            "draft",
            {"target_all": False, "target_groups": [sales]},
        ),
        ("Acme Invest: our best fund ever", "rejected", {}),
    ]
    for title, state, details in plans:
        slug = title.lower().split(":")[0].replace(" ", "-")
        post = post_services.post_create(
            organization=acme,
            actor=curator,
            title=title,
            commentary="Share it in your own words: what does it mean for your customers?",
            link_url=f"https://acme.example/news/{slug}",
            captions={
                Network.LINKEDIN: f"{title}. Proud of what our teams built. #employee",
                Network.X: f"{title} #employee",
                Network.BLUESKY: f"{title} #employee",
            },
            campaign="Autumn launch",
            details=post_services.PostDetails(**details),  # type: ignore[arg-type]
        )
        if state == "draft":
            continue
        post_services.post_submit(post=post, actor=curator)
        if state == "in_review":
            continue
        if state == "rejected":
            post_services.post_reject(
                post=post, actor=approver, reason="Promises returns we can't make."
            )
            continue
        post_services.post_approve(post=post, actor=approver)
        post_services.post_publish(post=post, actor=curator)
    return len(plans)
