"""A `Message` as the Adaptive Card a Teams Workflows webhook posts to a channel.

The body a "Post to a channel when a webhook request is received" workflow accepts is a
message activity with one Adaptive Card attachment (Microsoft Teams documentation, "Create
and send messages" and "Microsoft Teams - Webhook"):

    {"type": "message",
     "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                      "contentUrl": null,
                      "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                                  "type": "AdaptiveCard", "version": "1.4",
                                  "body": [...], "actions": [...]}}]}

The card: the subject in large bold type, the intro, each item (its title, text, picture and
its buttons), the footer; the message's buttons and "Open in Chorus" (the message's own
address) at the bottom. Buttons are `Action.OpenUrl`: they open a page ("Open to share"
opens the share dialog), never act by themselves.

A TextBlock reads a subset of Markdown (bold, italic, lists, links) and `{{DATE(...)}}`
templates, so every text from people is escaped (`markdown_escape`): a post titled
"**Free** [prizes](https://evil.example)" shows exactly that. Teams refuses messages over
28 KB: items are left off (and counted) until the card fits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from chorus.notifications.messages import Action, Item, Message

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
# Teams' limit for a message posted through a webhook is 28 KB; a little room is kept.
MAX_PAYLOAD_BYTES = 27_000

MAX_SUBJECT = 300
MAX_INTRO = 2000
MAX_ITEM_TITLE = 300
MAX_ITEM_TEXT = 700
MAX_FOOTER = 500
MAX_LABEL = 80  # a button's title

# ASCII punctuation that Markdown or a card template reads anywhere in a line. CommonMark
# lets any ASCII punctuation be escaped with a backslash, which then shows as itself.
_ANYWHERE = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")
# What starts a list, a heading or a rule only at the start of a line.
_LINE_START_MARKER = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markdown_escape(text: str) -> str:
    """`text` as a TextBlock shows it literally: Markdown and `{{...}}` templates escaped,
    control characters dropped, paragraphs kept (a single line break in Markdown would
    join two lines)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _LINE_START_MARKER.sub(r"\1\\\2", text)
    text = _LINE_START_NUMBER.sub(r"\1\\\2", text)
    paragraphs = [line.strip() for line in text.split("\n")]
    return "\n\n".join(line for line in paragraphs if line)


def _shorten(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _web_url(url: str) -> str:
    """The address if a button or an image may use it (absolute http or https), else ""."""
    url = (url or "").strip()
    return url if re.match(r"https?://[^\s/]", url, re.IGNORECASE) else ""


def _text_block(text: str, limit: int, **style: Any) -> dict[str, Any]:
    text = markdown_escape(_shorten(text, limit))
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _open_url(label: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": _shorten(label, MAX_LABEL), "url": url}


def _actions(actions: tuple[Action, ...]) -> list[dict[str, Any]]:
    return [
        _open_url(action.label, url)
        for action in actions
        if (url := _web_url(action.url)) and action.label.strip()
    ]


def _item(item: Item) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [
        _text_block(item.title, MAX_ITEM_TITLE, weight="Bolder", size="Medium")
    ]
    if item.text.strip():
        elements.append(_text_block(item.text, MAX_ITEM_TEXT))
    image = _web_url(item.image_url)
    if image:
        elements.append(
            {
                "type": "Image",
                "url": image,
                "altText": _shorten(item.title, MAX_ITEM_TITLE),
                "size": "Stretch",
            }
        )
    buttons = _actions(item.actions)
    if buttons:
        elements.append({"type": "ActionSet", "actions": buttons})
    container: dict[str, Any] = {
        "type": "Container",
        "separator": True,
        "spacing": "Medium",
        "items": elements,
    }
    url = _web_url(item.url)
    if url:
        # A tap on the item opens its page.
        container["selectAction"] = {"type": "Action.OpenUrl", "url": url}
    return container


def _card(message: Message, items: tuple[Item, ...], left_off: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text_block(message.subject, MAX_SUBJECT, size="Large", weight="Bolder")
    ]
    if message.intro.strip():
        body.append(_text_block(message.intro, MAX_INTRO))
    body += [_item(item) for item in items]
    if left_off:
        more = ngettext(
            "And %(count)s more post in Chorus.", "And %(count)s more posts in Chorus.", left_off
        ) % {"count": left_off}
        body.append(_text_block(more, MAX_FOOTER, isSubtle=True))
    if message.footer.strip():
        body.append(_text_block(message.footer, MAX_FOOTER, size="Small", isSubtle=True))
    actions = _actions(message.actions)
    url = _web_url(message.url)
    if url and all(action["url"] != url for action in actions):
        actions.append(_open_url(gettext("Open in Chorus"), url))
    card: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def card_payload(message: Message) -> dict[str, Any]:
    """The webhook's request body for `message`, in the message's language, under 28 KB."""
    with translation.override(message.language or settings.LANGUAGE_CODE):
        items = message.items
        payload = _card(message, items, 0)
        while items and len(payload_bytes(payload)) > MAX_PAYLOAD_BYTES:
            items = items[:-1]
            payload = _card(message, items, len(message.items) - len(items))
    return payload
