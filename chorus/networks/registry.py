"""The networks and channels a member can share to, and the adapter for each.

Adapters are imported on first use, so a network's dependencies load only when needed.
"""

from __future__ import annotations

from functools import cache
from typing import cast

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.networks.base import Adapter, OAuthAdapter, PublishingAdapter

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
