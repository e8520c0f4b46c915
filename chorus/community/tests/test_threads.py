"""Threads and messages: mentions, replies, edits, reactions, compliance, wins, keyset
pagination and unread markers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from chorus.community.models import Mention, Message, Reaction, Thread
from chorus.community.selectors.threads import thread_page
from chorus.community.services import spaces
from chorus.community.services.threads import (
    message_delete,
    message_edit,
    reaction_toggle,
    reply_create,
    thread_create,
    thread_mark_read,
)
from chorus.community.text import mention_handles, mentioned_ids
from chorus.factories import ComplianceRuleFactory, MembershipFactory, PostFactory, ShareFactory
from chorus.links.services.links import link_mint
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareMetrics, ShareStatus


def test_a_mention_tells_the_member_by_name_or_email(space, maya, noah):
    spaces.space_join(membership=maya, space=space)
    spaces.space_join(membership=noah, space=space)
    thread = thread_create(
        membership=maya, space=space, title="Best time?", body="What do you think @Noah Berg?"
    )
    assert Notification.objects.filter(membership=noah, kind="community_mention").count() == 1
    reply_create(membership=noah, thread=thread, body="Mornings, @maya.")
    assert Notification.objects.filter(membership=maya, kind="community_mention").count() == 1
    # A mention is not also a "reply to your thread" notice.
    assert not Notification.objects.filter(membership=maya, kind="community_reply").exists()


def test_nobody_who_cannot_read_the_space_is_told(curator, private_space, maya):
    # Maya is no member of the invite-only space: her name there is just text.
    thread = thread_create(
        membership=curator, space=private_space, title="Plan", body="Ask @Maya Lin later"
    )
    assert not Mention.objects.filter(message__thread=thread).exists()
    assert not Notification.objects.filter(membership=maya).exists()


def test_a_muted_member_gets_mentions_but_no_reply_notices(space, maya, noah):
    spaces.space_join(membership=maya, space=space)
    spaces.space_join(membership=noah, space=space)
    thread = thread_create(membership=maya, space=space, title="Tips", body="Share yours")
    spaces.space_mute(membership=maya, space=space, muted=True)
    reply_create(membership=noah, thread=thread, body="Short posts")
    assert not Notification.objects.filter(membership=maya, kind="community_reply").exists()
    reply_create(membership=noah, thread=thread, body="Right, @maya?")
    assert Notification.objects.filter(membership=maya, kind="community_mention").exists()


def test_an_author_is_told_of_replies(space, maya, noah):
    thread = thread_create(membership=maya, space=space, title="Tips", body="Share yours")
    reply_create(membership=noah, thread=thread, body="Short posts")
    assert Notification.objects.filter(membership=maya, kind="community_reply").count() == 1


def test_mentions_follow_unicode_names_and_ignore_email_addresses(organization):
    member = MembershipFactory(
        organization=organization, user__name="Zoë Åberg", user__email="zoe@acme.test"
    )
    handles = mention_handles([member])
    assert mentioned_ids("Danke @ZOË ÅBERG!", handles) == {member.pk}
    assert mentioned_ids("write to someone@zoe.test", handles) == set()
    assert mentioned_ids("@zoeberg", handles) == set()


def test_own_messages_are_edited_within_the_window_and_marked(space, maya, noah):
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    opening = thread.messages.get()
    with pytest.raises(PermissionDenied):
        message_edit(membership=noah, message=opening, body="Mine now")
    message_edit(membership=maya, message=opening, body="Changed", title="Better tips")
    opening.refresh_from_db()
    thread.refresh_from_db()
    assert opening.body == "Changed" and opening.edited_at is not None
    assert thread.title == "Better tips"
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=16)),
        pytest.raises(ValidationError),
    ):
        message_edit(membership=maya, message=opening, body="Too late")


def test_a_deleted_message_keeps_its_place(client, space, maya, noah):
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    reply = reply_create(membership=noah, thread=thread, body="A secret tip")
    message_delete(membership=noah, message=reply)
    client.force_login(maya.user)
    page = client.get(reverse("community_thread", args=[space.pk, thread.pk])).content.decode()
    assert "A secret tip" not in page and "Deleted by its author." in page


def test_reactions_toggle_one_of_each_per_member(space, maya):
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    message = thread.messages.get()
    assert reaction_toggle(membership=maya, message=message, emoji="party") is True
    assert reaction_toggle(membership=maya, message=message, emoji="idea") is True
    assert reaction_toggle(membership=maya, message=message, emoji="party") is False
    assert list(Reaction.objects.values_list("emoji", flat=True)) == ["idea"]
    with pytest.raises(ValidationError):
        reaction_toggle(membership=maya, message=message, emoji="poo")


def test_a_blocking_rule_refuses_the_text_and_keeps_it(client, organization, space, maya):
    ComplianceRuleFactory(organization=organization, value="guaranteed", action="block")
    client.force_login(maya.user)
    response = client.post(
        reverse("community_thread_new", args=[space.pk]),
        {"title": "Returns", "body": "Returns are \u0261uaranteed"},  # a look-alike letter
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Returns are \u0261uaranteed" in page and "Post anyway" not in page
    assert not Thread.objects.exists()


def test_a_warning_rule_posts_once_confirmed(client, organization, space, maya):
    ComplianceRuleFactory(organization=organization, value="cheap", action="warn")
    client.force_login(maya.user)
    url = reverse("community_thread_new", args=[space.pk])
    response = client.post(url, {"title": "Deals", "body": "Cheap flights"})
    assert response.status_code == 400 and "Post anyway" in response.content.decode()
    assert not Thread.objects.exists()
    response = client.post(url, {"title": "Deals", "body": "Cheap flights", "confirm": "on"})
    assert response.status_code == 302
    assert Thread.objects.get().title == "Deals"


def test_the_api_refuses_a_warned_reply_until_confirmed(client, organization, space, maya):
    ComplianceRuleFactory(organization=organization, value="cheap", action="warn")
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    client.force_login(maya.user)
    url = f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/replies"
    response = client.post(url, {"body": "cheap"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["findings"][0]["action"] == "warn"
    response = client.post(url, {"body": "cheap", "confirm": True}, content_type="application/json")
    assert response.status_code == 201


def test_a_locked_thread_takes_no_replies(client, curator, space, maya):
    from chorus.community.services.moderation import thread_lock

    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    thread_lock(membership=curator, thread=thread, locked=True)
    with pytest.raises(ValidationError):
        reply_create(membership=maya, thread=thread, body="More")
    client.force_login(maya.user)
    page = client.get(reverse("community_thread", args=[space.pk, thread.pk])).content.decode()
    assert "This thread is locked" in page


def test_a_win_shows_its_share_and_live_figures(client, organization, space, maya):
    post = PostFactory(
        organization=organization,
        state="live",
        title="Our new plant",
        link_url="https://example.com/plant",
    )
    link = link_mint(post=post, membership=maya, network="mastodon")
    share = ShareFactory(
        membership=maya, post=post, status=ShareStatus.SHARED, link=link, text="Proud of this"
    )
    client.force_login(maya.user)
    response = client.post(
        reverse("community_win_new", args=[space.pk]),
        {"share": share.pk, "title": "My best week", "body": "Posted at 8 with a photo"},
    )
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.kind == "win" and thread.share == share
    # Figures are read live: what happens after the win was written shows.
    type(link).objects.filter(pk=link.pk).update(clicks=42, unique_clicks=30)
    ShareMetrics.objects.create(share=share, reactions=17, reposts=3, replies=2)
    page = client.get(reverse("community_thread", args=[space.pk, thread.pk])).content.decode()
    assert "Our new plant" in page and "Proud of this" in page
    assert ">42<" in page and ">30<" in page and ">17<" in page


def test_a_win_is_only_about_ones_own_share(organization, space, maya, noah):
    share = ShareFactory(membership=noah, status=ShareStatus.SHARED)
    with pytest.raises(ValidationError):
        thread_create(membership=maya, space=space, title="Win", body="Mine", share=share)


def test_threads_come_pinned_first_then_by_activity_by_keyset(space, curator, maya):
    from chorus.community.services.moderation import thread_pin

    start = timezone.now() - timedelta(days=1)
    made = []
    for number in range(60):
        with time_machine.travel(start + timedelta(minutes=number), tick=False):
            made.append(thread_create(membership=maya, space=space, title=f"T{number}", body="x"))
    thread_pin(membership=curator, thread=made[5], pinned=True)
    first = thread_page(organization=space.organization, membership=maya, space=space)
    assert [t.title for t in first.pinned] == ["T5"]
    assert [t.title for t in first.threads][:3] == ["T59", "T58", "T57"]
    assert len(first.threads) == 25 and first.next_cursor
    seen = [t.pk for t in first.threads]
    cursor = first.next_cursor
    while cursor:
        page = thread_page(
            organization=space.organization, membership=maya, space=space, cursor=cursor
        )
        assert page.pinned == []
        seen += [t.pk for t in page.threads]
        cursor = page.next_cursor
    assert len(seen) == 59 == len(set(seen))


def test_unread_threads_are_marked_until_read(space, maya, noah):
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    page = thread_page(organization=space.organization, membership=noah, space=space)
    assert page.threads[0].unread is True  # type: ignore[attr-defined]
    thread_mark_read(membership=noah, thread=thread)
    page = thread_page(organization=space.organization, membership=noah, space=space)
    assert page.threads[0].unread is False  # type: ignore[attr-defined]
    reply_create(membership=maya, thread=thread, body="More")
    page = thread_page(organization=space.organization, membership=noah, space=space)
    assert page.threads[0].unread is True  # type: ignore[attr-defined]


def test_the_space_page_reads_its_first_page_in_few_queries(
    client, space, maya, django_assert_max_num_queries
):
    for number in range(30):
        thread_create(membership=maya, space=space, title=f"T{number}", body="x")
    client.force_login(maya.user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("community_space", args=[space.pk]))
    assert response.status_code == 200
    assert Message.objects.count() == 30


def test_own_messages_are_edited_and_deleted_through_the_api(client, space, maya, noah):
    thread = thread_create(membership=maya, space=space, title="Tips", body="First")
    message = thread.messages.get()
    url = f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/messages/{message.pk}"
    client.force_login(noah.user)
    assert client.delete(url).status_code == 403
    client.force_login(maya.user)
    response = client.patch(
        url, {"body": "Second", "title": "Tips, edited"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["edited"] is True
    thread.refresh_from_db()
    assert thread.title == "Tips, edited"
    assert client.delete(url).status_code == 204
    message.refresh_from_db()
    assert message.is_deleted and message.body == ""


def test_in_an_open_space_any_member_can_be_mentioned(organization, space, maya, noah):
    """Noah never joined the open space, but he may read it: a mention tells him. Members
    not named, and those who left the organization, are not told."""
    inactive = MembershipFactory(
        organization=organization, is_active=False, user__name="Nora Gone", user__email="n@a.t"
    )
    MembershipFactory(organization=organization, user__name="Noel Other")
    thread = thread_create(
        membership=maya, space=space, title="Idea", body="What do you think, @noah and @Nora Gone?"
    )
    told = Notification.objects.filter(kind="community_mention")
    assert list(told.values_list("membership", flat=True)) == [noah.pk]
    assert list(Mention.objects.values_list("membership", flat=True)) == [noah.pk]
    assert not Notification.objects.filter(membership=inactive).exists()
    assert thread.messages.get().body.endswith("@Nora Gone?")
