"""Customer care, end to end in a browser: a customer mentions the company on Mastodon, the
admin checks the source, the conversation is routed to the certified agent on duty, who
answers with an approved reply; Chorus posts it from the agent's own account, in the
customer's thread, exactly once. A second answer in the agent's own words waits for the
approver, who approves it in the browser, and it is posted in its thread too.

Mastodon is faked at the transport with respx from its documented shapes:
GET /api/v1/notifications?types[]=mention (Notification entities with a Status,
docs.joinmastodon.org/methods/notifications/#get) and POST /api/v1/statuses with
`in_reply_to_id` and an `Idempotency-Key` header (a Status in answer). respx patches httpx
in this process, so it answers the live server's threads too; the publish task runs there,
on commit, through the immediate task backend the suite uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from chorus.accounts.models import ProgramStatus
from chorus.care.models import CareReply, Conversation, ConversationStatus, ReplyStatus
from chorus.factories import (
    CareAgentFactory,
    CareSourceFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    ReplyTemplateFactory,
)
from chorus.sharing.models import NetworkSettings
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTANCE = "https://mastodon.example"


def status(
    status_id: str, text: str, *, account: str, in_reply_to: str | None = None
) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2026-12-06T09:00:00.000Z",
        "in_reply_to_id": in_reply_to,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{INSTANCE}/users/{account}/statuses/{status_id}",
        "url": f"{INSTANCE}/@{account}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": f"<p>{text}</p>",
        "account": {
            "id": f"{len(account)}00",
            "username": account,
            "acct": account,
            "display_name": account.title(),
            "url": f"{INSTANCE}/@{account}",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def mention(notification_id: str, entity: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": notification_id,
        "type": "mention",
        "created_at": entity["created_at"],
        "account": entity["account"],
        "status": entity,
    }


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.route(host="localhost").pass_through()
        yield router


def test_a_mention_becomes_a_conversation_answered_in_its_thread(
    page: Any, mastodon: respx.MockRouter
) -> None:
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    NetworkSettings.objects.create(organization=acme, network="mastodon", publishing_enabled=True)
    MembershipFactory(organization=acme, is_admin=True, user__email="ada@acme.test")
    MembershipFactory(
        organization=acme, is_approver=True, user__email="alex@acme.test", user__name="Alex"
    )
    sofia: Any = MembershipFactory(
        organization=acme,
        user__email="sofia@acme.test",
        user__name="Sofia Rossi",
        program_status=ProgramStatus.JOINED,
    )
    CareAgentFactory(membership=sofia, languages=["en"])
    NetworkConnectionFactory(
        membership=sofia,
        network="mastodon",
        instance=INSTANCE,
        account_id="2001",
        handle="@sofia@mastodon.example",
        access_token="sofia-secret-token",
    )
    CareSourceFactory(organization=acme, name="Mentions of @acme", instance=INSTANCE)
    ReplyTemplateFactory(
        organization=acme,
        name="Looking into it",
        body="Hi {customer}, I'm {first_name} from Acme: our support team is on it. {link}",
        link="https://acme.example/help",
        language="en",
    )

    first = status("113100", "@acme my order never arrived, can you help?", account="jonas")
    second = status("113200", "@acme and the app logs me out every hour", account="ren")
    notifications = mastodon.get(f"{INSTANCE}/api/v1/notifications")
    notifications.side_effect = [
        httpx.Response(200, json=[mention("9001", first)]),
        httpx.Response(200, json=[mention("9002", second)]),
    ]
    posted: list[dict[str, Any]] = []

    def statuses_answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        posted.append({"body": body, "key": request.headers.get("Idempotency-Key")})
        return httpx.Response(
            200,
            json=status(
                f"1139{len(posted)}",
                body["status"],
                account="sofia",
                in_reply_to=body.get("in_reply_to_id"),
            ),
        )

    mastodon.post(f"{INSTANCE}/api/v1/statuses").side_effect = statuses_answer

    # The admin checks the source now: the mention becomes a conversation, routed to Sofia.
    sign_in(page, "ada@acme.test")
    page.goto("/care/sources/")
    page.get_by_role("button", name=re.compile(r"^Check now")).click()
    page.get_by_text(re.compile(r"1 new")).first.wait_for()
    conversation = Conversation.objects.get()
    assert conversation.assignee == sofia
    assert conversation.status == ConversationStatus.ASSIGNED
    page.context.clear_cookies()

    # Sofia finds it in her inbox and answers with the approved reply, as written.
    sign_in(page, "sofia@acme.test")
    page.goto("/care/")
    page.get_by_role("link", name=conversation.customer_handle).click()
    page.get_by_text("my order never arrived").wait_for()
    page.locator(".reply-offers summary", has_text="Looking into it").click()
    page.get_by_role("button", name="Send as written").click()
    # The thread shows it as our reply, with the link to it on Mastodon.
    page.locator(".care-message-out", has_text="Hi @jonas").wait_for()

    assert len(posted) == 1
    assert posted[0]["body"]["in_reply_to_id"] == "113100"
    assert posted[0]["body"]["status"].startswith("Hi @jonas@mastodon.example, I'm Sofia from")
    reply = CareReply.objects.get()
    assert reply.status == ReplyStatus.PUBLISHED and reply.template_unchanged
    assert posted[0]["key"] == str(reply.idempotency_key)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ANSWERED
    assert conversation.first_response_at is not None
    page.context.clear_cookies()

    # A second mention; this time Sofia writes her own words: they wait for the approver.
    sign_in(page, "ada@acme.test")
    page.goto("/care/sources/")
    page.get_by_role("button", name=re.compile(r"^Check now")).click()
    page.get_by_text(re.compile(r"1 new")).first.wait_for()
    other = Conversation.objects.exclude(pk=conversation.pk).get()
    page.context.clear_cookies()

    sign_in(page, "sofia@acme.test")
    page.goto(f"/care/c/{other.pk}/")
    page.get_by_label("In your own words").fill(
        "Hi @ren, sorry about that! A fix ships this week; signing in again helps meanwhile."
    )
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text(re.compile(r"waits for an approver")).first.wait_for()
    assert len(posted) == 1  # nothing posted before the approval
    page.context.clear_cookies()

    sign_in(page, "alex@acme.test")
    page.goto("/care/approvals/")
    page.get_by_text("A fix ships this week").first.wait_for()
    page.get_by_role("button", name=re.compile(r"^Approve")).first.click()
    page.wait_for_load_state()

    assert len(posted) == 2
    assert posted[1]["body"]["in_reply_to_id"] == "113200"
    assert posted[1]["body"]["status"].startswith("Hi @ren, sorry about that!")
    own = CareReply.objects.get(conversation=other)
    assert own.status == ReplyStatus.PUBLISHED and own.reviewed_by is not None


PHONE, DESKTOP = 390, 1280


def serious_axe_violations(page: Any) -> list[str]:
    from chorus.tests_browser.test_phone_layouts import serious_axe_violations as found

    return found(page)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_care_page_fits_and_passes_axe(page: Any, width: int) -> None:
    """Every care page, filled with something to show, on a phone and a desktop: nothing
    wider than the screen, no serious or critical axe-core finding."""
    from chorus.care.models import CrisisFlag, Message
    from chorus.factories import CareReplyFactory, CareTagFactory, ConversationFactory
    from chorus.tests_browser.test_phone_layouts import AXE

    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    ada: Any = MembershipFactory(
        organization=acme,
        is_admin=True,
        user__email="ada@acme.test",
        user__name="Ada Admin",
        program_status=ProgramStatus.JOINED,
    )
    CareAgentFactory(membership=ada, languages=["en", "de"])
    area = CareTagFactory(organization=acme, name="Delivery")
    source: Any = CareSourceFactory(organization=acme, name="Mentions of @acme", instance=INSTANCE)
    template: Any = ReplyTemplateFactory(organization=acme, name="Looking into it", language="en")
    conversation: Any = ConversationFactory(
        organization=acme,
        customer_handle="@alexandra.konstantinopoulou@a-very-long-instance-name.example",
        customer_name="Alexandra Konstantinopoulou",
        assignee=ada,
        status=ConversationStatus.AWAITING_APPROVAL,
    )
    conversation.tags.set([area])
    Message.objects.create(
        organization=acme,
        conversation=conversation,
        network="mastodon",
        remote_id="1",
        remote_url=f"{INSTANCE}/@alexandra/1",
        author_handle=conversation.customer_handle,
        text="My parcel has been on its way for a week and the tracking page says nothing.",
    )
    CareReplyFactory(conversation=conversation, membership=ada, text="We are on it, sorry!")
    CrisisFlag.objects.create(
        organization=acme, raised_by=ada, description="Posts about an outage are spreading."
    )
    pages = [
        "/care/",
        f"/care/c/{conversation.pk}/",
        f"/care/c/{conversation.pk}/escalate/",
        "/care/me/",
        "/care/team/",
        "/care/sources/",
        "/care/sources/new/",
        f"/care/sources/{source.pk}/",
        "/care/send/",
        "/care/new/",
        "/care/approvals/",
        "/care/templates/",
        "/care/templates/new/",
        f"/care/templates/{template.pk}/",
        "/care/crisis/",
        "/care/crisis/flag/",
        "/care/crisis/pause/",
        "/care/reports/",
        "/care/settings/",
    ]
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "ada@acme.test")
    problems = []
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        wide = int(page.evaluate("document.documentElement.scrollWidth"))
        if wide > width:
            culprits = page.evaluate(
                """(width) => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 4).map(e => e.tagName + '.' + e.className + '#' + e.id
                  + ' ' + (e.textContent || '').trim().slice(0, 30))""",
                width,
            )
            problems.append(f"{path}: {wide} px wide ({', '.join(culprits)})")
        if AXE.exists():
            problems += [f"{path}: {finding}" for finding in serious_axe_violations(page)]
    assert problems == []
