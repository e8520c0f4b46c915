"""A message as an email: escaped, readable with images off, in the member's language, in
the organization's colour when it is readable, with the addresses that are safe to open."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from chorus.core.colors import WHITE, contrast_ratio
from chorus.notifications.email.render import (
    DEFAULT_ACCENT,
    accent_for,
    email_build,
    email_render,
)
from chorus.notifications.messages import Action, Category, Item, Message


def digest(**changes: object) -> Message:
    values: dict[str, object] = {
        "category": Category.DIGEST,
        "subject": "Your week at Acme",
        "intro": "Three posts are waiting for you.",
        "items": (
            Item(
                title="We opened a plant in Leipzig",
                text="Why it matters.",
                url="https://chorus.example/posts/1",
                image_url="https://chorus.example/posts/1/image",
                actions=(Action("Share on LinkedIn", "https://chorus.example/share/abc"),),
            ),
        ),
        "unsubscribe_url": "https://chorus.example/unsubscribe/token",
        "preferences_url": "https://chorus.example/settings/notifications",
        "organization_name": "Acme",
        "logo_url": "https://chorus.example/organization/logo/abc.png",
        "accent_color": "#0f766e",
    }
    values.update(changes)
    return Message(**values)  # type: ignore[arg-type]


def test_the_default_accent_is_the_stylesheets_primary_colour() -> None:
    stylesheet = (Path(settings.BASE_DIR) / "chorus/static/chorus/chorus.css").read_text()
    found = re.search(r"--primary:\s*(#[0-9a-fA-F]{6})", stylesheet)
    assert found is not None
    assert found.group(1).lower() == DEFAULT_ACCENT


def test_the_accent_is_the_organizations_colour_made_readable() -> None:
    assert accent_for("#0F766E") == "#0f766e"
    assert accent_for("") == DEFAULT_ACCENT
    assert accent_for("red;background:url(https://evil.example/)") == DEFAULT_ACCENT
    light = accent_for("#ffdd00")
    assert light != "#ffdd00"
    assert contrast_ratio(light, WHITE) >= 4.5


def test_the_html_shows_the_logo_the_items_buttons_and_the_footer_links() -> None:
    html = email_render(digest()).html
    assert '<img src="https://chorus.example/organization/logo/abc.png" alt="Acme"' in html
    assert 'alt="We opened a plant in Leipzig"' in html
    assert 'href="https://chorus.example/share/abc"' in html
    assert ">Share on LinkedIn</a>" in html
    assert "background:#0f766e" in html
    assert 'href="https://chorus.example/settings/notifications"' in html
    assert 'href="https://chorus.example/unsubscribe/token"' in html
    assert "“Digest of new posts”" in html
    # One column that shrinks to a phone: nothing wider than its container.
    assert "max-width:600px" in html
    assert 'role="presentation"' in html
    assert "<style" not in html


def test_without_a_logo_the_organizations_name_is_written() -> None:
    html = email_render(digest(logo_url="")).html
    assert '<img src="https://chorus.example/organization/logo' not in html
    assert ">Acme</p>" in html


def test_the_text_part_says_the_same_with_the_links_written_out() -> None:
    text = email_render(digest()).text
    assert text.startswith("Your week at Acme\n\nThree posts are waiting for you.\n")
    assert "We opened a plant in Leipzig" in text
    assert "https://chorus.example/posts/1" in text
    assert "Share on LinkedIn: https://chorus.example/share/abc" in text
    assert "Choose what you receive: https://chorus.example/settings/notifications" in text
    assert "Unsubscribe from these emails: https://chorus.example/unsubscribe/token" in text
    assert "\n\n\n" not in text


def test_everything_the_message_says_is_escaped_in_html_and_left_alone_in_text() -> None:
    message = digest(
        subject='Hello <img src=x onerror="alert(1)">',
        items=(Item(title="<script>alert('x')</script> & more", text="<b>bold</b>"),),
    )
    rendered = email_render(message)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in rendered.html
    assert "&lt;b&gt;bold&lt;/b&gt;" in rendered.html
    assert "<img src=x" not in rendered.html
    assert "<script>alert('x')</script> & more" in rendered.text


def test_addresses_that_are_not_web_addresses_are_dropped() -> None:
    message = digest(
        url="javascript:alert(1)",
        actions=(Action("Open", "javascript:alert(1)"), Action("Fine", "https://ok.example/")),
        items=(Item(title="Post", url="data:text/html,hi", image_url="file:///etc/passwd"),),
        unsubscribe_url='https://chorus.example/u/"><script>',
    )
    rendered = email_render(message)
    assert "javascript:" not in rendered.html
    assert "data:text" not in rendered.html
    assert "file:" not in rendered.html
    assert 'href="https://ok.example/"' in rendered.html
    assert "/u/" not in rendered.html
    built = email_build(delivery_id=7, message=message, recipient="emma@acme.test")
    assert "List-Unsubscribe" not in built.extra_headers


def test_the_email_is_written_in_the_members_language() -> None:
    rendered = email_render(digest(language="de"))
    assert '<html lang="de">' in rendered.html
    assert '<html lang="en">' in email_render(digest()).html


def test_the_footer_says_why_for_tests_and_personal_data() -> None:
    assert "sent this test message" in email_render(digest(category=Category.TEST)).text
    assert "your personal data" in email_render(digest(category=Category.OWN_DATA)).text
    assert "Because you asked." in email_render(digest(footer="Because you asked.")).text


def test_a_subject_on_several_lines_becomes_one_header_line() -> None:
    built = email_build(
        delivery_id=3, message=digest(subject="Hello\r\nBcc: x@evil.example"), recipient="a@b.test"
    )
    assert built.subject == "Hello Bcc: x@evil.example"
    assert "\n" not in built.message()["Subject"]


def test_the_sender_is_named_after_the_organization() -> None:
    built = email_build(delivery_id=1, message=digest(), recipient="emma@acme.test")
    assert built.from_email.startswith("Acme via Chorus <")
