"""Share links (intents) of every network built here: right address, every value encoded."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from chorus.networks.registry import adapter, publishing_adapter

URL = "https://acme.example/l/Ab3?x=1&y=2#top"
TEXT = "Grüße & Küsse #launch 🎉\nSecond line"


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


@pytest.mark.parametrize(
    ("network", "base", "parameter"),
    [
        ("linkedin", "https://www.linkedin.com/sharing/share-offsite/", "url"),
        ("facebook", "https://www.facebook.com/sharer/sharer.php", "u"),
        ("xing", "https://www.xing.com/spi/shares/new", "url"),
    ],
)
def test_url_only_intents_carry_just_the_encoded_url(network, base, parameter):
    link = adapter(network).intent_url(TEXT, URL)

    assert link.startswith(base + "?")
    assert query(link) == {parameter: [URL]}
    assert adapter(network).intent_takes_text is False
    assert "&y=" not in link and "#" not in link


def test_x_intent_passes_text_and_url_separately():
    link = adapter("x").intent_url(TEXT, URL)

    assert link.startswith("https://x.com/intent/tweet?")
    assert query(link) == {"text": [TEXT], "url": [URL]}
    assert "%0A" in link and "%23launch" in link and "%26" in link


def test_x_intent_does_not_pass_the_url_twice_when_the_text_holds_it():
    link = adapter("x").intent_url(f"Read this {URL}", URL)

    assert query(link) == {"text": [f"Read this {URL}"]}


def test_threads_intent_takes_text_and_link_attachment():
    link = adapter("threads").intent_url(TEXT, URL)

    assert link.startswith("https://www.threads.com/intent/post?")
    assert query(link) == {"text": [TEXT], "url": [URL]}
    assert adapter("threads").intent_url(f"{URL} now", URL).count("acme.example") == 1


def test_whatsapp_intent_puts_the_url_into_the_text_once():
    link = adapter("whatsapp").intent_url(TEXT, URL)
    again = adapter("whatsapp").intent_url(f"See {URL}", URL)

    assert link.startswith("https://wa.me/?text=")
    assert query(link) == {"text": [f"{TEXT}\n\n{URL}"]}
    assert query(again) == {"text": [f"See {URL}"]}


def test_email_intent_is_an_rfc_6068_mailto_with_crlf_and_percent_twenty():
    link = adapter("email").intent_url(TEXT, URL)

    assert link.startswith("mailto:?subject=")
    fields = dict(part.split("=", 1) for part in link.removeprefix("mailto:?").split("&"))
    assert set(fields) == {"subject", "body"}
    assert unquote(fields["subject"]) == "Grüße & Küsse #launch 🎉"
    assert unquote(fields["body"]) == f"Grüße & Küsse #launch 🎉\r\nSecond line\r\n\r\n{URL}"
    assert "+" not in link and " " not in link and "%0D%0A" in fields["body"]


def test_email_subject_leaves_out_the_link_and_is_cut_at_a_word():
    long_line = "word " * 30
    link = adapter("email").intent_url(f"{URL}\n{long_line}", URL)
    subject = unquote(link.split("subject=", 1)[1].split("&", 1)[0])

    assert URL not in subject
    assert subject.endswith("word…") and len(subject) <= 78


def test_email_without_text_sends_only_the_link():
    assert adapter("email").intent_url("", URL) == "mailto:?body=" + quote(URL, safe="")


@pytest.mark.parametrize("network", ["facebook", "xing", "whatsapp", "email"])
def test_intent_only_channels_cannot_publish(network):
    assert adapter(network).can_publish is False
    with pytest.raises(ValueError, match="use its share link"):
        publishing_adapter(network)
