"""A `Message` as an email: a plain-text part, an HTML part and the headers that go with it.

The HTML is one column of tables (what mail clients lay out reliably) at most 600 pixels
wide that shrinks to a phone's 390, with its styles inline in the template: the
Content-Security-Policy of the pages does not apply to email, and Gmail and Outlook drop
`<style>` blocks. It reads with images off: the logo has the organization's name as its
alt text, no words are drawn in pictures, and buttons are links with their label as text.
The text part says the same, with every address written out.

Everything a message carries is escaped (autoescape); addresses that are not http(s) are
dropped and the accent colour is checked, because both end up inside attributes.
Templates are compiled once (Django's cached loader), so a batch costs no more than the
rendering itself, and no query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _

from chorus.core.colors import (
    AA_CONTRAST,
    WHITE,
    color_darkened_for_contrast,
    color_normalize,
    contrast_ratio,
)
from chorus.notifications.messages import Action, Category, Item, Message

# Chorus's own blue: --primary in chorus/static/chorus/chorus.css (a test keeps them equal).
DEFAULT_ACCENT = "#3b4bdb"

TEXT_TEMPLATE = "notifications_email/message.txt"
HTML_TEMPLATE = "notifications_email/message.html"

# Header values are one line: a subject or a name with a line break would be refused.
_LINE_BREAKS = re.compile(r"\s+")
# An address goes into attributes and the List-Unsubscribe header between < and >.
_NOT_IN_ADDRESSES = re.compile(r"[\s<>\"\x00-\x1f\x7f]")
# The text part's blank lines, at most one in a row (templates leave more around tags).
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
# How much of the intro mail clients show after the subject in the inbox list.
PREHEADER_LENGTH = 140


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def one_line(value: str) -> str:
    return _LINE_BREAKS.sub(" ", value).strip()


def web_address(value: str) -> str:
    """The address when it is an absolute http(s) one, else '' (no javascript:, data:...)."""
    value = value.strip()
    if _NOT_IN_ADDRESSES.search(value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return value


def accent_for(value: str) -> str:
    """The accent colour as '#rrggbb', dark enough for white text on it and for links on white
    (WCAG AA); Chorus's blue when there is none or it is not a colour."""
    color = color_normalize(value) if value else None
    if color is None:
        return DEFAULT_ACCENT
    if contrast_ratio(color, WHITE) < AA_CONTRAST:
        return color_darkened_for_contrast(color, against=WHITE)
    return color


def _actions(actions: tuple[Action, ...]) -> list[dict[str, str]]:
    found = []
    for action in actions:
        url = web_address(action.url)
        if url and action.label.strip():
            found.append({"label": action.label, "url": url})
    return found


def _items(items: tuple[Item, ...]) -> list[dict[str, Any]]:
    return [
        {
            "title": item.title,
            "text": item.text,
            "url": web_address(item.url),
            "image_url": web_address(item.image_url),
            "actions": _actions(item.actions),
        }
        for item in items
    ]


def _reason(message: Message) -> str:
    """Why the recipient gets this email, when the message does not say it itself."""
    organization = message.organization_name or "Chorus"
    if message.category == Category.TEST:
        return _("An administrator of %(organization)s sent this test message.") % {
            "organization": organization
        }
    if message.category == Category.OWN_DATA:
        return _(
            "This email is about your personal data at %(organization)s on Chorus; it is "
            "sent whatever you chose to receive."
        ) % {"organization": organization}
    if message.category in Category.values:
        return _(
            "You get this email because you chose to receive “%(category)s” by email from "
            "%(organization)s on Chorus."
        ) % {"category": Category(message.category).label, "organization": organization}
    return _("You get this email as a member of %(organization)s on Chorus.") % {
        "organization": organization
    }


def email_context(message: Message) -> dict[str, Any]:
    """What both templates show. Call it with the recipient's language active."""
    intro = one_line(message.intro)
    return {
        "message": message,
        "subject": one_line(message.subject),
        "preheader": intro[:PREHEADER_LENGTH],
        "organization_name": message.organization_name,
        "logo_url": web_address(message.logo_url),
        "accent": accent_for(message.accent_color),
        "url": web_address(message.url),
        "items": _items(message.items),
        "actions": _actions(message.actions),
        "reason": message.footer or _reason(message),
        "preferences_url": web_address(message.preferences_url),
        "unsubscribe_url": web_address(message.unsubscribe_url),
    }


def email_render(message: Message) -> RenderedEmail:
    """The subject, text and HTML of a message, in the message's language."""
    with translation.override(message.language or settings.LANGUAGE_CODE):
        context = email_context(message)
        return RenderedEmail(
            subject=context["subject"],
            text=_BLANK_LINES.sub("\n\n", get_template(TEXT_TEMPLATE).render(context)).strip()
            + "\n",
            html=get_template(HTML_TEMPLATE).render(context),
        )


def email_message_id(delivery_id: int) -> str:
    """The same Message-ID every time a delivery is tried: a receiver that got it once can
    tell a retry from a new message."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<delivery.{delivery_id}@{domain}>"


def email_sender(message: Message) -> str:
    """DEFAULT_FROM_EMAIL's address, named after the organization ("Acme via Chorus")."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:
        return settings.DEFAULT_FROM_EMAIL
    if message.organization_name:
        with translation.override(message.language or settings.LANGUAGE_CODE):
            name = _("%(organization)s via Chorus") % {
                "organization": one_line(message.organization_name)
            }
    return formataddr((name, address)) if name else address


def email_build(
    *, delivery_id: int, message: Message, recipient: str, connection: Any = None
) -> EmailMultiAlternatives:
    """The email of one delivery to one address, with the headers that make it a good
    citizen: one-click unsubscribe (RFC 8058), Auto-Submitted (RFC 3834, so that vacation
    responders stay quiet), a stable Message-ID, and the delivery's id (nothing personal)."""
    rendered = email_render(message)
    headers = {
        "Message-ID": email_message_id(delivery_id),
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "OOF, AutoReply",
        "X-Chorus-Delivery": str(delivery_id),
    }
    unsubscribe_url = web_address(message.unsubscribe_url)
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=email_sender(message),
        to=[recipient],
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(rendered.html, "text/html")
    return email
