"""A `Message` as Slack Block Kit blocks, with a plain text fallback.

- A header block for the subject; a section for the intro; URL buttons for the actions.
- Each item: a divider, a section with its title (a link) and text, its picture as the
  section's accessory with alt text, and its buttons. Buttons carry a ``url``: they only
  open a page (the share dialog), never act by themselves.
- A context block with the footer, and one with the notification settings and unsubscribe
  links.

Everything a person wrote is escaped for mrkdwn (``&``, ``<`` and ``>``, as Slack's
formatting reference asks), and Block Kit's limits hold whatever the message: at most 50
blocks (items that do not fit are counted in an "and N more" line), 3,000 characters in a
section or context text, 150 in a header, 75 in a button.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chorus.notifications.messages import Action, Item, Message

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_URL = 3000
MAX_ALT_TEXT = 2000
MAX_BUTTONS = 25  # elements in one actions block

Block = dict[str, Any]


def escape(text: str) -> str:
    """Text as mrkdwn shows it literally: Slack's three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(raw: str, limit: int, *, mrkdwn: bool = True) -> str:
    """`raw` (escaped when `mrkdwn`) in at most `limit` characters, shortened with "…"
    where it is longer, never in the middle of an entity."""
    text = escape(raw) if mrkdwn else raw
    if len(text) <= limit:
        return text
    pieces: list[str] = []
    length = 0
    for character in raw:
        piece = escape(character) if mrkdwn else character
        if length + len(piece) > limit - 1:
            break
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces).rstrip() + "…"


def _usable(url: str) -> bool:
    return url.startswith(("https://", "http://")) and len(url) <= MAX_URL


def _link(url: str, text: str) -> str:
    """A mrkdwn link: the address escaped too, and a "|" in it encoded (it would end it)."""
    return f"<{escape(url).replace('|', '%7C')}|{text}>"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _fit(text, limit, mrkdwn=False) or "…", "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _buttons(actions: tuple[Action, ...], prefix: str) -> Block | None:
    elements = [
        {
            "type": "button",
            "text": _plain(action.label, MAX_BUTTON),
            "url": action.url,
            "action_id": f"{prefix}-{index}",
        }
        for index, action in enumerate(a for a in actions if _usable(a.url) and a.label)
    ][:MAX_BUTTONS]
    return {"type": "actions", "elements": elements} if elements else None


def _item_blocks(item: Item, index: int) -> list[Block]:
    title = _fit(item.title or item.url, 500)
    head = f"*{_link(item.url, title)}*" if _usable(item.url) else f"*{title}*"
    text = head
    room = MAX_TEXT - len(head) - 1
    if item.text and room > 20:
        text += "\n" + _fit(item.text, room)
    section: Block = {"type": "section", "text": _mrkdwn(text)}
    if _usable(item.image_url):
        section["accessory"] = {
            "type": "image",
            "image_url": item.image_url,
            "alt_text": _fit(item.title or _("Picture of the post"), MAX_ALT_TEXT, mrkdwn=False),
        }
    blocks: list[Block] = [{"type": "divider"}, section]
    buttons = _buttons(item.actions, f"item-{index}")
    if buttons is not None:
        blocks.append(buttons)
    return blocks


def _links_line(message: Message) -> str:
    links = []
    if _usable(message.preferences_url):
        links.append(_link(message.preferences_url, escape(_("Notification settings"))))
    if _usable(message.unsubscribe_url):
        links.append(_link(message.unsubscribe_url, escape(_("Unsubscribe"))))
    return " · ".join(links)


def message_blocks(message: Message) -> list[Block]:
    """The Block Kit blocks of `message`, in its language (for the few words added here)."""
    with translation.override(message.language or None):
        return _blocks(message)


def _blocks(message: Message) -> list[Block]:
    top: list[Block] = [{"type": "header", "text": _plain(message.subject, MAX_HEADER)}]
    if message.intro:
        top.append({"type": "section", "text": _mrkdwn(_fit(message.intro, MAX_TEXT))})
    actions = message.actions
    if _usable(message.url) and message.url not in {a.url for a in actions}:
        actions = (*actions, Action(label=_("Open in Chorus"), url=message.url))
    buttons = _buttons(actions, "open")
    if buttons is not None:
        top.append(buttons)

    bottom: list[Block] = []
    if message.footer:
        bottom.append({"type": "context", "elements": [_mrkdwn(_fit(message.footer, MAX_TEXT))]})
    if links := _links_line(message):
        bottom.append({"type": "context", "elements": [_mrkdwn(links)]})

    # Items fill what is left; one block is kept for "and N more" if some do not fit.
    room = MAX_BLOCKS - len(top) - len(bottom)
    middle: list[Block] = []
    shown = 0
    for index, item in enumerate(message.items):
        blocks = _item_blocks(item, index)
        left = len(message.items) - index - 1
        if len(middle) + len(blocks) > room - (1 if left else 0):
            break
        middle.extend(blocks)
        shown += 1
    if hidden := len(message.items) - shown:
        more = escape(
            ngettext("And %(count)d more.", "And %(count)d more.", hidden) % {"count": hidden}
        )
        if _usable(message.url):
            more = _link(message.url, more)
        middle.append({"type": "context", "elements": [_mrkdwn(more)]})
    return top + middle + bottom


def message_text(message: Message) -> str:
    """The plain fallback Slack shows in notifications and where blocks cannot be shown."""
    lines = [_fit(message.subject, MAX_HEADER)]
    if message.intro:
        lines.append(_fit(message.intro, 1000))
    for item in message.items:
        title = _fit(item.title or item.url, 300)
        lines.append("• " + (_link(item.url, title) if _usable(item.url) else title))
    text = ""
    for line in lines:
        candidate = f"{text}\n{line}" if text else line
        if len(candidate) > MAX_TEXT:
            break
        text = candidate
    return text


def message_payload(message: Message) -> dict[str, Any]:
    """The ``text`` and ``blocks`` of a chat.postMessage call."""
    with translation.override(message.language or None):
        return {"text": message_text(message), "blocks": _blocks(message)}
