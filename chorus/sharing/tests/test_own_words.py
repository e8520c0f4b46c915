"""Own words, not copies: shares remember a fingerprint of their words and whether they
differ from the caption offered; the share dialog says, kindly, how many colleagues
already posted exactly this text on the network, and never blocks it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import MembershipFactory, PostFactory, ShareFactory
from chorus.sharing.compose import offered_fingerprint, share_compose, text_fingerprint
from chorus.sharing.models import Share, ShareMethod, ShareStatus
from chorus.sharing.services.intents import share_intent_open

pytestmark = pytest.mark.django_db

LINK = "https://acme.example/news/launch"
CAPTION = "We launched, and it shows."


@pytest.fixture
def post(organization: Any) -> Any:
    post: Any = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="linkedin", text=CAPTION)
    return post


def joined(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


def open_share(post: Any, membership: Any, text: str | None = None) -> Share:
    if text is None:
        text, _link = share_compose(post=post, membership=membership, network="linkedin")
    return share_intent_open(post=post, membership=membership, network="linkedin", text=text).share


def test_the_fingerprint_ignores_links_and_spacing_but_not_words():
    one = text_fingerprint("We launched!\n\nhttps://s.example/l/abc")
    assert one == text_fingerprint("We   launched! https://s.example/l/xyz  ")
    assert one != text_fingerprint("We launched today! https://s.example/l/abc")
    assert text_fingerprint("https://s.example/l/abc") == ""


def test_a_share_records_its_fingerprint_and_whether_the_words_are_its_own(organization, post):
    offered = open_share(post, joined(organization))
    assert offered.text_hash == text_fingerprint(CAPTION)
    assert offered.text_hash == offered_fingerprint(post=post, network="linkedin")
    assert offered.caption_edited is False
    mine = open_share(post, joined(organization), text="My team built this. " + LINK)
    assert mine.caption_edited is True
    assert mine.text_hash == text_fingerprint("My team built this.")


def dialog_text(client: Any, post: Any) -> str:
    response = client.get(
        reverse("share_network", kwargs={"post_id": post.pk}), {"network": "linkedin"}
    )
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_dialog_says_how_many_colleagues_posted_exactly_this_text(client, organization, post):
    for _ in range(4):
        open_share(post, joined(organization))
    open_share(post, joined(organization), text="Something else entirely. " + LINK)
    member = joined(organization)
    open_share(post, member)  # their own earlier share is not a colleague's
    client.force_login(member.user)
    page = dialog_text(client, post)
    assert "4 colleagues posted exactly this text on LinkedIn." in page
    assert "a sentence of your own helps" in page
    # Never a block: the network's button stays enabled.
    assert 'share-open" disabled' not in page and 'class="primary share-open"' in page


def test_the_notice_follows_the_text_as_the_member_types(client, organization, post):
    open_share(post, joined(organization), text="Proud of this team. " + LINK)
    member = joined(organization)
    client.force_login(member.user)
    url = reverse("share_check", kwargs={"post_id": post.pk})
    same = client.post(url, {"network": "linkedin", "text": "Proud  of this team.\n"})
    assert "1 colleague posted exactly this text on LinkedIn." in same.content.decode()
    own = client.post(url, {"network": "linkedin", "text": "Proud of my team."})
    assert "posted exactly this text" not in own.content.decode()


def test_nobody_else_posted_it_says_nothing(client, organization, post):
    member = joined(organization)
    client.force_login(member.user)
    assert "posted exactly this text" not in dialog_text(client, post)


def test_other_networks_and_undone_shares_do_not_count(organization, post, client):
    ShareFactory(
        membership=joined(organization),
        post=post,
        network="x",
        status=ShareStatus.SHARED,
        text=CAPTION,
        text_hash=text_fingerprint(CAPTION),
    )
    ShareFactory(
        membership=joined(organization),
        post=post,
        network="linkedin",
        method=ShareMethod.INTENT,
        status=ShareStatus.UNDONE,
        text=CAPTION,
        text_hash=text_fingerprint(CAPTION),
    )
    client.force_login(joined(organization).user)
    assert "posted exactly this text" not in dialog_text(client, post)


def test_the_migration_backfills_existing_shares(organization, post):
    copied = ShareFactory(
        membership=joined(organization), post=post, network="linkedin", text=f"{CAPTION} {LINK}"
    )
    own = ShareFactory(
        membership=joined(organization), post=post, network="linkedin", text="Mine. " + LINK
    )
    Share.objects.filter(pk__in=[copied.pk, own.pk]).update(text_hash="", caption_edited=None)
    migration = importlib.import_module("chorus.sharing.migrations.0004_share_text_hash")
    migration.backfill(django_apps, None)
    copied.refresh_from_db()
    own.refresh_from_db()
    assert (copied.text_hash, copied.caption_edited) == (text_fingerprint(CAPTION), False)
    assert (own.text_hash, own.caption_edited) == (text_fingerprint("Mine."), True)
