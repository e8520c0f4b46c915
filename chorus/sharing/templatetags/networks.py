"""`{% network_mark "linkedin" %}`: a network's logo (simple-icons, in the sprite) and its name.

The logo is decoration (hidden from screen readers); the name is text, so "Shared on
LinkedIn, X" reads the same with or without the pictures.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from chorus.core.templatetags.icons import icon
from chorus.networks.registry import CHANNEL_CHOICES

register = template.Library()

LABELS = dict(CHANNEL_CHOICES)
# Channels that are not a network with a logo of their own.
ICONS = {"email": "mail"}


@register.simple_tag
def network_mark(network: str) -> SafeString:
    """The mark of `network`, given by its key ("linkedin") or its label ("LinkedIn")."""
    key = network if network in LABELS else _key_by_label(network)
    # Always escaped: even a value a template marked safe is only ever a name here.
    label = escape(LABELS.get(key, network))
    if not key:
        return format_html('<span class="network-mark">{}</span>', label)
    return format_html(
        '<span class="network-mark">{}<span>{}</span></span>',
        icon(ICONS.get(key, f"network-{key}")),
        label,
    )


def _key_by_label(label: str) -> str:
    # A label may be translated ("E-Mail" for "Email"): compared in the page's language.
    return next((key for key, name in CHANNEL_CHOICES if str(name) == label), "")


@register.filter
def network_marks(networks: list[str]) -> SafeString:
    """The marks of several networks, separated by commas (for 'Shared on …')."""
    marks = [network_mark(network) for network in networks]
    return format_html_join(", ", "{}", ((mark,) for mark in marks))
