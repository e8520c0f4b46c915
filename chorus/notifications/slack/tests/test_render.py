"""Block Kit rendering: escaped mrkdwn, URL buttons that only open a page, pictures with alt
text, the settings and unsubscribe links, a plain fallback, and Block Kit's limits."""

from __future__ import annotations

import json
from typing import Any

from chorus.notifications.messages import Action, Item, Message
from chorus.notifications.slack.render import (
    MAX_BLOCKS,
    escape,
    message_blocks,
    message_text,
)

SHARE = "https://chorus.example/share/42/?t=abc&n=linkedin"


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text in the blocks (sections, headers, context elements, buttons)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") in ("plain_text", "mrkdwn"):
                found.append(value["text"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(blocks)
    return found


def announcement(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "category": "announcement",
        "subject": "New post: Q3 <results> & more",
        "intro": "The communications team thinks you'll like this one.",
        "url": "https://chorus.example/feed/",
        "items": (
            Item(
                title="We <3 our customers & partners",
                text="Read how *we* grew > 20%",
                url="https://chorus.example/posts/42/",
                image_url="https://chorus.example/media/posts/42.webp",
                actions=(Action(label="Share on LinkedIn", url=SHARE),),
            ),
        ),
        "preferences_url": "https://chorus.example/settings/notifications/",
        "unsubscribe_url": "https://chorus.example/u/abc|def/",
        "footer": "Sent by Acme <comms>",
    }
    fields.update(overrides)
    return Message(**fields)


def test_the_three_control_characters_are_escaped():
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_a_message_reads_as_header_intro_items_and_links():
    blocks = message_blocks(announcement())
    kinds = [block["type"] for block in blocks]
    assert kinds == [
        "header",
        "section",
        "actions",
        "divider",
        "section",
        "actions",
        "context",
        "context",
    ]
    header = blocks[0]["text"]
    # A header is plain text: nothing to escape, nothing parsed.
    assert header == {"type": "plain_text", "text": "New post: Q3 <results> & more", "emoji": True}
    item = blocks[4]
    assert item["text"]["type"] == "mrkdwn"
    assert item["text"]["text"] == (
        "*<https://chorus.example/posts/42/|We &lt;3 our customers &amp; partners>*\n"
        "Read how *we* grew &gt; 20%"
    )
    assert item["accessory"] == {
        "type": "image",
        "image_url": "https://chorus.example/media/posts/42.webp",
        "alt_text": "We <3 our customers & partners",
    }
    footer, links = blocks[-2], blocks[-1]
    assert footer["elements"][0]["text"] == "Sent by Acme &lt;comms&gt;"
    # A "|" would end the link early: it is encoded.
    assert links["elements"][0]["text"] == (
        "<https://chorus.example/settings/notifications/|Notification settings> · "
        "<https://chorus.example/u/abc%7Cdef/|Unsubscribe>"
    )


def test_buttons_only_open_the_share_dialog():
    blocks = message_blocks(announcement())
    buttons = [
        element for block in blocks if block["type"] == "actions" for element in block["elements"]
    ]
    assert {button["type"] for button in buttons} == {"button"}
    assert all(button["url"].startswith("https://") for button in buttons)
    assert SHARE in {button["url"] for button in buttons}
    # The whole message's address is a button too ("Open in Chorus").
    assert "https://chorus.example/feed/" in {button["url"] for button in buttons}
    action_ids = [button["action_id"] for button in buttons]
    assert len(set(action_ids)) == len(action_ids)
    # No value, no confirm, nothing Slack would send back for us to act on.
    assert all(set(button) == {"type", "text", "url", "action_id"} for button in buttons)


def test_addresses_that_are_not_web_pages_are_left_out():
    message = announcement(
        items=(
            Item(
                title="Odd",
                url="javascript:alert(1)",
                image_url="file:///etc/passwd",
                actions=(Action(label="Go", url="slack://open"),),
            ),
        ),
        url="",
    )
    blocks = message_blocks(message)
    dumped = json.dumps(blocks)
    assert "javascript:" not in dumped and "file://" not in dumped and "slack://" not in dumped


def test_limits_hold_for_a_huge_message():
    items = tuple(
        Item(
            title="T" * 400 + f" {index}",
            text="x & " * 2000,
            url=f"https://chorus.example/posts/{index}/",
            image_url=f"https://chorus.example/media/{index}.webp",
            actions=tuple(Action(label="L" * 200, url=SHARE) for _ in range(30)),
        )
        for index in range(40)
    )
    message = announcement(subject="S" * 500, intro="<" * 5000, items=items)
    blocks = message_blocks(message)
    assert len(blocks) <= MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(element["text"]["text"]) <= 75 for element in block["elements"])
    assert all(len(text) <= 3000 for text in texts(blocks))
    # An entity is never cut in half.
    assert blocks[1]["text"]["text"].endswith("&lt;…")
    # What did not fit is counted, linked to the message's page.
    assert blocks[-3]["type"] == "context"
    assert blocks[-3]["elements"][0]["text"].startswith("<https://chorus.example/feed/|And ")
    assert len(message_text(message)) <= 3000


def test_the_fallback_text_names_the_subject_and_links_the_items():
    text = message_text(announcement())
    assert text.splitlines() == [
        "New post: Q3 &lt;results&gt; &amp; more",
        "The communications team thinks you'll like this one.",
        "• <https://chorus.example/posts/42/|We &lt;3 our customers &amp; partners>",
    ]
