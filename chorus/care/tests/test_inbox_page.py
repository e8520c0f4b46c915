"""The inbox page: what each row shows, the assignee picker, and a number of queries that
does not grow with the rows or the team."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.care.models import ConversationStatus, Priority

CareAgentFactory: Any = factories.CareAgentFactory
CareTagFactory: Any = factories.CareTagFactory
ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory


def care_agent(organization: Any, name: str, **fields: Any) -> Any:
    membership = MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name=name,
        user__email=f"{name.lower().replace(' ', '.')}@acme.test",
    )
    return CareAgentFactory(membership=membership, **fields)


def conversations(organization: Any, count: int, assignees: list[Any], tag: Any) -> None:
    now = timezone.now()
    for index in range(count):
        conversation = ConversationFactory(
            organization=organization,
            assignee=assignees[index % len(assignees)].membership,
            status=ConversationStatus.ASSIGNED,
            first_response_due=now + timedelta(hours=1 + index),
        )
        conversation.tags.add(tag)


def page_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("care_inbox")).status_code == 200
    return len(queries)


def test_the_page_takes_as_many_queries_for_3_rows_as_for_50(
    client: Any, organization: Any, admin_member: Any, django_assert_max_num_queries: Any
) -> None:
    tag = CareTagFactory(organization=organization, name="Billing")
    team = [care_agent(organization, f"Agent {index}") for index in range(2)]
    conversations(organization, 3, team, tag)
    client.force_login(admin_member.user)
    client.get(reverse("care_inbox"))  # the session's and caches' first reads
    few = page_queries(client)
    team += [care_agent(organization, f"Agent {index}") for index in range(2, 12)]
    conversations(organization, 57, team, tag)
    assert page_queries(client) == few
    with django_assert_max_num_queries(20):
        client.get(reverse("care_inbox"))


def test_each_row_shows_its_conversation_and_the_picker_lists_the_care_team(
    client: Any, organization: Any, admin_member: Any
) -> None:
    maya = care_agent(organization, "Maya Agent")
    care_agent(organization, "Olga Former", opted_in=False)
    now = timezone.now()
    late = ConversationFactory(
        organization=organization,
        subject="Parcel lost",
        customer_handle="@ann@example.social",
        network="mastodon",
        language="de",
        priority=Priority.URGENT,
        assignee=maya.membership,
        status=ConversationStatus.ASSIGNED,
        first_response_due=now - timedelta(hours=2),
    )
    late.tags.add(CareTagFactory(organization=organization, name="Delivery"))
    ConversationFactory(
        organization=organization,
        subject="",
        customer_handle="@bob@example.social",
        status=ConversationStatus.NEW,
        first_response_due=now + timedelta(hours=3),
    )
    client.force_login(admin_member.user)
    with time_machine.travel(now, tick=False):
        page = client.get(reverse("care_inbox")).content.decode()
    assert f'href="/care/c/{late.pk}/">Parcel lost</a>' in page
    assert "@ann@example.social · mastodon · de" in page
    assert '<li class="chip">Delivery</li>' in page
    assert "<strong>overdue by 2\xa0hours</strong>" in page
    assert ">Urgent<" in page
    assert ">Maya Agent<" in page
    # No subject: the customer's handle; nobody yet: "Unassigned"; time left.
    assert ">@bob@example.social</a>" in page
    assert '<span class="muted">Unassigned</span>' in page
    assert "3\xa0hours left" in page
    # The picker: who answers now first, then who once did; not the admin.
    picker = page[
        page.index('name="assignee"') : page.index("</select>", page.index('name="assignee"'))
    ]
    assert picker.index("Maya Agent") < picker.index("Olga Former")
    assert str(admin_member.user.name or admin_member.user.email) not in picker
