"""A notification is written in its recipient's language, whoever causes it."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy

from chorus.factories import MembershipFactory
from chorus.notifications.models import Notification
from chorus.notifications.services.notifications import (
    NotificationDraft,
    notification_create,
    notifications_create_many,
)

# Translated by chorus/gamification's catalog.
MESSAGE = gettext_lazy("Your reward “%(name)s” was approved.")


def test_the_notification_is_written_in_the_recipients_language(organization: Any) -> None:
    german: Any = MembershipFactory(organization=organization, user__language="de")
    english: Any = MembershipFactory(organization=organization, user__language="")
    # The person or job causing it speaks another language: it does not matter.
    with translation.override("de"):
        to_english = notification_create(
            membership=english, kind="test", message=MESSAGE, params={"name": "Mug"}
        )
    with translation.override("en"):
        to_german = notification_create(
            membership=german, kind="test", message=MESSAGE, params={"name": "Mug"}
        )
    assert to_german.message == "Deine Prämie „Mug“ wurde freigegeben."
    assert to_english.message == "Your reward “Mug” was approved."


def test_many_notifications_at_once_each_in_its_recipients_language(
    organization: Any, django_assert_num_queries: Any
) -> None:
    german: Any = MembershipFactory(organization=organization, user__language="de")
    english: Any = MembershipFactory(organization=organization, user__language="")
    drafts = [
        NotificationDraft(
            membership=member, kind="test", message=MESSAGE, params={"name": name}, url="/x/"
        )
        for member, name in ((german, "Mug"), (english, "Cap"))
    ]
    # One insert, and one read of the recipients' delivery preferences (none: in-app only).
    with translation.override("fr"), django_assert_num_queries(2):
        notifications_create_many(drafts=drafts)
    stored = {row.membership_id: row for row in Notification.objects.all()}
    assert stored[german.pk].message == "Deine Prämie „Mug“ wurde freigegeben."
    assert stored[english.pk].message == "Your reward “Cap” was approved."
    assert {row.kind for row in stored.values()} == {"test"}
    assert {row.url for row in stored.values()} == {"/x/"}
    assert notifications_create_many(drafts=[]) == []


def test_the_inbox_speaks_the_members_language(client: Any, organization: Any) -> None:
    german = MembershipFactory(organization=organization, user__language="de")
    client.force_login(german.user)
    page = client.get("/notifications/").content.decode()
    assert "<h1>Benachrichtigungen</h1>" in page
    assert "Noch nichts. Sobald dich etwas betrifft, erscheint es hier." in page
