"""A member with data in many apps, a colleague and a member of another organization
with theirs, for the export and erasure tests."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from chorus.accounts.models import ConsentAction, Membership, Organization, ProgramConsent
from chorus.accounts.services.tokens import api_token_create
from chorus.community.models import Message as SpaceMessage
from chorus.community.models import Space, Thread
from chorus.core.audit import audit_record
from chorus.factories import (
    CareReplyFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    NotificationFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
    SuggestionFactory,
)
from chorus.gamification.models import PointEntry
from chorus.links.models import Click, Link
from chorus.sharing.models import ShareStatus
from chorus.surveys.models import Question, Template
from chorus.surveys.services.answers import Answer, answers_submit
from chorus.surveys.services.surveys import round_open, survey_create


@dataclass
class World:
    member: Membership
    colleague: Membership
    stranger: Membership
    admin: Membership


def person(organization: Organization, email: str, name: str, **kwargs: Any) -> Membership:
    return cast(
        Membership,
        MembershipFactory(organization=organization, user__email=email, user__name=name, **kwargs),
    )


def fill(membership: Membership, marker: str) -> None:
    """Rows in many apps for this member, each text carrying `marker`."""
    organization = membership.organization
    now = timezone.now()
    ProgramConsent.objects.create(
        organization=organization,
        membership=membership,
        action=ConsentAction.JOINED,
        terms_version=1,
        terms_text="Terms",
    )
    post = PostFactory.create(organization=organization)
    ShareFactory(
        membership=membership, post=post, text=f"Share text {marker}", status=ShareStatus.SHARED
    )
    NetworkConnectionFactory(membership=membership, access_token=f"secret-token-{marker}")
    link = Link.objects.create(
        organization=organization,
        code=f"c{membership.pk}x",
        post=post,
        membership=membership,
        network="mastodon",
        destination="https://example.com/a",
    )
    for index in range(3):
        Click.objects.create(
            organization=organization,
            event_id=f"e{membership.pk}-{index}",
            link=link,
            created_at=now - timedelta(days=index % 2),
            kind="click",
            device_class="desktop",
            visitor_key=f"visitor-{membership.pk}-{index}",
            is_unique=True,
        )
    PointEntry.objects.create(
        organization=organization,
        membership=membership,
        rule="share",
        points=10,
        source="share",
        source_id=membership.pk,
        day=now.date(),
    )
    NotificationFactory(membership=membership, message=f"Notice {marker}")
    SuggestionFactory(membership=membership, reason=f"Suggested {marker}")
    api_token_create(membership=membership, name=f"Token {marker}")
    space = Space.objects.create(organization=organization, name=f"Space {membership.pk}")
    thread = Thread.objects.create(
        organization=organization, space=space, author=membership, title=f"Thread {marker}"
    )
    SpaceMessage.objects.create(
        organization=organization,
        thread=thread,
        author=membership,
        opening=True,
        body=f"Message {marker}",
    )
    CareReplyFactory(
        conversation__organization=organization,
        membership=membership,
        text=f"Draft reply {marker}",
    )
    CareReplyFactory(
        conversation__organization=organization,
        membership=membership,
        text=f"Published reply {marker}",
        status="published",
    )
    audit_record(
        organization=organization,
        actor=membership.user,
        action="program.joined",
        target=membership,
        data={"note": f"about {membership.user.email}"},
    )


def survey_answers(organization: Organization, admin: Membership, people: list[Membership]) -> None:
    """Each person answers the readiness survey: by name for the pilot question, anonymous
    free text for the others."""
    survey = survey_create(organization=organization, actor=admin, template=Template.READINESS)
    round_ = round_open(survey=survey, actor=admin)
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    attributed = next(q for q in questions if q.attributed)
    free = next(q for q in questions if q.kind == "text" and not q.attributed)
    for who in people:
        answers_submit(
            round=round_,
            membership=who,
            answers={
                attributed.pk: Answer(value=0),
                free.pk: Answer(text=f"Anonymous words #{who.pk}"),
            },
        )


@pytest.fixture
def world(organization: Organization, admin_member: Membership) -> World:
    member = person(organization, "maya.erase@acme.test", "Maya Quillfeather")
    colleague = person(organization, "colin@acme.test", "Colin Otherperson")
    elsewhere = cast(Organization, OrganizationFactory(name="Globex", slug="globex"))
    stranger = person(elsewhere, "stan@globex.test", "Stan Foreigner")
    fill(member, "MAYA-MARK")
    fill(colleague, "COLIN-MARK")
    fill(stranger, "STAN-MARK")
    survey_answers(organization, admin_member, [member, colleague])
    return World(member=member, colleague=colleague, stranger=stranger, admin=admin_member)


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}
