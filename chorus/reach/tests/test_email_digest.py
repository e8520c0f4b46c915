"""End to end: a weekly digest reaches a real SMTP server (aiosmtpd on loopback) with its
parts, the unsubscribe headers and a share link that opens the share dialog."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.factories import PostFactory
from chorus.notifications.email.tests.test_channel import SmtpServer, smtp  # noqa: F401
from chorus.notifications.models import DeliveryPreference, DigestFrequency
from chorus.notifications.services.sending import deliveries_send_run
from chorus.reach.services.digests import digests_queue_due
from chorus.reach.tests.conftest import joined
from chorus.sharing.models import Share

pytestmark = pytest.mark.django_db

MONDAY_NINE_BERLIN = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)


def test_a_weekly_digest_arrives_by_email_and_its_link_opens_the_share_dialog(
    smtp: SmtpServer,  # noqa: F811
    organization: Organization,
    client: Any,
    settings: Any,
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    member = joined(organization, user__email="emma@acme.test")
    DeliveryPreference.objects.create(
        organization=organization, membership=member, quiet_hours=False
    )
    with time_machine.travel(MONDAY_NINE_BERLIN - datetime.timedelta(days=1), tick=False):
        post: Post = PostFactory.create(
            organization=organization, state=PostState.LIVE, title="We opened a plant"
        )
    with time_machine.travel(MONDAY_NINE_BERLIN, tick=False):
        assert digests_queue_due(organization=organization) == 1
        deliveries_send_run(organization_id=organization.pk)
        assert digests_queue_due(organization=organization) == 0
        deliveries_send_run(organization_id=organization.pk)

    [email] = smtp.received
    assert smtp.envelopes[0][1] == ["emma@acme.test"]
    assert email["Subject"] == "1 new post to share this week"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://chorus.example/" in email["List-Unsubscribe"]
    html = email.get_body(("html",))
    text = email.get_body(("plain",))
    assert html is not None and text is not None
    assert "We opened a plant" in html.get_content()
    assert "We opened a plant" in text.get_content()
    [link] = set(re.findall(r"https://chorus\.example(/r/share/[^/\s\"]+/)", text.get_content()))

    client.force_login(member.user)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"/feed/{post.pk}/share/"
    assert not Share.objects.exists()

    # The mail client's one click (RFC 8058): a POST to the header's address, signed out,
    # without a CSRF token, turns the digest off.
    [header_link] = re.findall(r"<https://chorus\.example(/[^>]+)>", email["List-Unsubscribe"])
    assert header_link in text.get_content() or header_link in html.get_content()
    mail_client = Client(enforce_csrf_checks=True)
    done = mail_client.post(
        header_link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    preference = DeliveryPreference.objects.get(membership=member)
    assert preference.digest_frequency == DigestFrequency.OFF
    with time_machine.travel(MONDAY_NINE_BERLIN + datetime.timedelta(days=7), tick=False):
        PostFactory.create(organization=organization, state=PostState.LIVE, title="Another")
        assert digests_queue_due(organization=organization) == 0
