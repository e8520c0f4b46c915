"""A message as the Adaptive Card a Teams Workflows webhook accepts: the documented shape,
text escaped for the card's Markdown, buttons that only open pages, under 28 KB."""

from __future__ import annotations

from typing import Any

from chorus.notifications.messages import Action, Category, Item, Message
from chorus.notifications.teams.render import (
    MAX_PAYLOAD_BYTES,
    card_payload,
    markdown_escape,
    payload_bytes,
)
from chorus.notifications.teams.tests.receiver import card_problems

SITE = "https://chorus.example"


def announcement(**values: object) -> Message:
    fields: dict[str, object] = {
        "category": Category.ANNOUNCEMENT,
        "subject": "New post to share",
        "intro": "The communications team would love your voice on this one.",
        "items": (
            Item(
                title="Acme opens a lab in Lisbon",
                text="Forty engineers, one river view.",
                url=f"{SITE}/feed/posts/7/",
                image_url=f"{SITE}/media/7.webp",
                actions=(Action("Open to share", f"{SITE}/share/7/?via=teams"),),
            ),
        ),
        "url": f"{SITE}/feed/",
        "footer": "Sharing is always your choice.",
    }
    fields.update(values)
    return Message(**fields)  # type: ignore[arg-type]


def card_of(payload: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = payload["attachments"][0]["content"]
    return content


def test_the_payload_has_the_shape_workflows_accept():
    payload = card_payload(announcement())

    assert card_problems(payload) == []
    assert payload["type"] == "message"
    attachment = payload["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"


def test_the_card_reads_subject_intro_item_and_footer():
    body = card_of(card_payload(announcement()))["body"]

    assert body[0] == {
        "type": "TextBlock",
        "text": "New post to share",
        "wrap": True,
        "size": "Large",
        "weight": "Bolder",
    }
    assert body[1]["text"] == "The communications team would love your voice on this one."
    item = body[2]
    assert item["type"] == "Container"
    assert item["selectAction"] == {"type": "Action.OpenUrl", "url": f"{SITE}/feed/posts/7/"}
    title, text, image, buttons = item["items"]
    assert title["text"] == "Acme opens a lab in Lisbon" and title["weight"] == "Bolder"
    assert text == {"type": "TextBlock", "text": "Forty engineers, one river view.", "wrap": True}
    assert image == {
        "type": "Image",
        "url": f"{SITE}/media/7.webp",
        "altText": "Acme opens a lab in Lisbon",
        "size": "Stretch",
    }
    assert buttons == {
        "type": "ActionSet",
        "actions": [
            {
                "type": "Action.OpenUrl",
                "title": "Open to share",
                "url": f"{SITE}/share/7/?via=teams",
            }
        ],
    }
    assert body[-1]["text"] == "Sharing is always your choice."
    assert body[-1]["isSubtle"] is True


def test_the_message_url_and_actions_are_the_card_buttons():
    message = announcement(actions=(Action("See all posts", f"{SITE}/feed/?all=1"),))

    actions = card_of(card_payload(message))["actions"]

    assert actions == [
        {"type": "Action.OpenUrl", "title": "See all posts", "url": f"{SITE}/feed/?all=1"},
        {"type": "Action.OpenUrl", "title": "Open in Chorus", "url": f"{SITE}/feed/"},
    ]


def test_the_open_in_chorus_button_speaks_the_message_language():
    actions = card_of(card_payload(announcement(language="de")))["actions"]

    assert [action["url"] for action in actions] == [f"{SITE}/feed/"]
    assert actions[0]["title"] != ""


def test_buttons_and_pictures_only_take_web_addresses():
    message = announcement(
        items=(
            Item(
                title="Trap",
                url="javascript:alert(1)",
                image_url="data:image/png;base64,AAAA",
                actions=(
                    Action("Run", "javascript:alert(1)"),
                    Action("Relative", "/share/1/"),
                    Action("", f"{SITE}/no-label/"),
                ),
            ),
        ),
        url="file:///etc/passwd",
    )

    card = card_of(card_payload(message))

    item = card["body"][2]
    assert "selectAction" not in item
    assert [element["type"] for element in item["items"]] == ["TextBlock"]
    assert "actions" not in card
    assert card_problems(card_payload(message)) == []


def test_markdown_and_templates_from_people_show_as_written():
    assert markdown_escape("**Free** _prizes_ [here](https://evil.example)") == (
        r"\*\*Free\*\* \_prizes\_ \[here\]\(https://evil.example\)"
    )
    assert markdown_escape("{{DATE(2030-01-01T00:00:00Z, SHORT)}}") == (
        r"\{\{DATE\(2030-01-01T00:00:00Z, SHORT\)\}\}"
    )
    assert markdown_escape("<at>Everyone</at> & `code` # tag ~x~ !") == (
        r"\<at\>Everyone\</at\> \& \`code\` \# tag \~x\~ \!"
    )
    assert markdown_escape("back\\slash") == "back\\\\slash"


def test_lines_that_would_start_a_list_or_a_heading_stay_text():
    text = "- not a bullet\n+ nor this\n1. nor a number\n  2) indented\n=== nor a rule"

    assert markdown_escape(text) == (
        "\\- not a bullet\n\n\\+ nor this\n\n1\\. nor a number\n\n2\\) indented\n\n\\=== nor a rule"
    )


def test_line_breaks_become_paragraphs_and_control_characters_go():
    assert markdown_escape("one\r\ntwo\n\n\nthree\x00\x07") == "one\n\ntwo\n\nthree"


def test_every_text_in_the_card_is_escaped():
    message = announcement(
        subject="**Urgent**",
        intro="[click](https://evil.example)",
        footer="_quiet_",
        items=(Item(title="# Title", text="1. one", url=f"{SITE}/p/"),),
    )

    body = card_of(card_payload(message))["body"]

    assert body[0]["text"] == r"\*\*Urgent\*\*"
    assert body[1]["text"] == r"\[click\]\(https://evil.example\)"
    assert body[2]["items"][0]["text"] == r"\# Title"
    assert body[2]["items"][1]["text"] == r"1\. one"
    assert body[-1]["text"] == r"\_quiet\_"


def test_long_texts_are_shortened():
    message = announcement(items=(Item(title="T" * 1000, text="x" * 5000),))

    item = card_of(card_payload(message))["body"][2]["items"]

    assert len(item[0]["text"]) == 300 and item[0]["text"].endswith("…")
    assert len(item[1]["text"]) == 700


def test_a_digest_too_large_for_teams_leaves_items_off_and_says_how_many():
    items = tuple(
        Item(
            title=f"Post {number}",
            text="y" * 690,
            url=f"{SITE}/feed/posts/{number}/",
            image_url=f"{SITE}/media/{number}.webp",
            actions=(Action("Open to share", f"{SITE}/share/{number}/"),),
        )
        for number in range(60)
    )

    payload = card_payload(announcement(items=items))

    assert len(payload_bytes(payload)) <= MAX_PAYLOAD_BYTES
    body = card_of(payload)["body"]
    shown = [element for element in body if element["type"] == "Container"]
    assert 5 < len(shown) < 60
    assert body[-2]["text"] == f"And {60 - len(shown)} more posts in Chorus."
    assert card_problems(payload) == []
