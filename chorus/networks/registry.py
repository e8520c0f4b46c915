"""The networks and channels a member can share to, and the adapter for each.

Adapters are imported on first use, so a network's dependencies load only when needed.
"""

from __future__ import annotations

from functools import cache
from typing import cast

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.core.validators import web_url_clean
from chorus.networks.base import (
    Adapter,
    ListeningAdapter,
    OAuthAdapter,
    PublishingAdapter,
    ReplyingAdapter,
)

# Display order in the share dialog.
ADAPTERS: dict[str, str] = {
    "linkedin": "chorus.networks.linkedin.adapter.LinkedIn",
    "x": "chorus.networks.x.adapter.X",
    "facebook": "chorus.networks.facebook.adapter.Facebook",
    "threads": "chorus.networks.threads.adapter.Threads",
    "mastodon": "chorus.networks.mastodon.adapter.Mastodon",
    "bluesky": "chorus.networks.bluesky.adapter.Bluesky",
    "xing": "chorus.networks.xing.adapter.Xing",
    "whatsapp": "chorus.networks.whatsapp.adapter.WhatsApp",
    "email": "chorus.networks.email.adapter.Email",
}
CHANNELS = tuple(ADAPTERS)
# The networks' own names are the same in every language; "Email" is translated when shown
# (a lazy string, typed as the str it becomes).
CHANNEL_CHOICES: list[tuple[str, str]] = [
    ("linkedin", "LinkedIn"),
    ("x", "X"),
    ("facebook", "Facebook"),
    ("threads", "Threads"),
    ("mastodon", "Mastodon"),
    ("bluesky", "Bluesky"),
    ("xing", "Xing"),
    ("whatsapp", "WhatsApp"),
    ("email", cast(str, gettext_lazy("Email"))),
]
# Channels without a caption of their own in a post borrow this network's caption.
CAPTION_FALLBACK = {"whatsapp": "linkedin", "email": "linkedin"}


@cache
def adapter(name: str) -> Adapter:
    if name not in ADAPTERS:
        raise ValueError(f"Unknown network: {name}.")
    return cast(Adapter, import_string(ADAPTERS[name])())


def publishing_adapter(name: str) -> PublishingAdapter:
    found = adapter(name)
    if not found.can_publish:
        raise ValueError(
            _("Chorus cannot publish to %(network)s; use its share link.")
            % {"network": found.label}
        )
    return cast(PublishingAdapter, found)


def oauth_adapter(name: str) -> OAuthAdapter:
    found = publishing_adapter(name)
    if not hasattr(found, "exchange_code"):
        raise ValueError(_("%(network)s is not connected by OAuth.") % {"network": found.label})
    return cast(OAuthAdapter, found)


# Customer care: the networks whose mentions and searches the care inbox reads with the
# organization's account, and where Chorus posts a reply from a member's own account.
CARE_ADAPTERS: dict[str, str] = {
    "mastodon": "chorus.networks.mastodon.care.MastodonCare",
    "bluesky": "chorus.networks.bluesky.care.BlueskyCare",
    "x": "chorus.networks.x.care.XCare",
}
LISTENING_NETWORKS = tuple(CARE_ADAPTERS)
REPLYING_NETWORKS = tuple(CARE_ADAPTERS)
# A retried reply cannot post twice here (Mastodon's Idempotency-Key, Bluesky's record key
# derived from the idempotency key); elsewhere (X) the caller must not retry blindly.
IDEMPOTENT_REPLY_NETWORKS = frozenset({"mastodon", "bluesky"})


@cache
def _care_adapter(name: str) -> object:
    if name not in CARE_ADAPTERS:
        raise ValueError(
            _("Chorus cannot read or answer customers on %(network)s.")
            % {"network": dict(CHANNEL_CHOICES).get(name, name)}
        )
    return import_string(CARE_ADAPTERS[name])()


def listening_adapter(name: str) -> ListeningAdapter:
    """The adapter reading `name`'s mentions and searches; ValueError for other networks."""
    if name not in LISTENING_NETWORKS:
        raise ValueError(
            _("Chorus cannot read customers' posts on %(network)s.")
            % {"network": dict(CHANNEL_CHOICES).get(name, name)}
        )
    return cast(ListeningAdapter, _care_adapter(name))


def replying_adapter(name: str) -> ReplyingAdapter:
    """The adapter posting replies on `name`; ValueError where members reply by hand."""
    if name not in REPLYING_NETWORKS:
        raise ValueError(
            _("Chorus cannot post replies on %(network)s; reply on the post's own page.")
            % {"network": dict(CHANNEL_CHOICES).get(name, name)}
        )
    return cast(ReplyingAdapter, _care_adapter(name))


def reply_page_url(network: str, target_url: str, text: str) -> str:
    """Where a member answers a post by hand on a network without a reply API (LinkedIn,
    Facebook, Threads, Xing...): the customer's post itself, where they paste `text` (none
    of these networks takes a reply's text in a link). ValueError for an address that is
    not a public web page."""
    try:
        return web_url_clean(target_url)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
