"""Every word a template shows is translatable.

Each template is read the way Django's lexer reads it: what sits inside a template tag or
variable, and everything between ``{% blocktranslate %}`` and its end, becomes a
placeholder; the rest is parsed as HTML, and any text or user-facing attribute (``title``,
``aria-label``, ``placeholder``, ``alt``...) that still holds a word is a string nobody can
translate. ``<code>``, ``<pre>``, ``<kbd>`` and ``<samp>`` show literal values and are left
out, as are the names of the networks and of Chorus itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

CHORUS = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    path for path in CHORUS.glob("**/templates/**/*") if path.suffix in {".html", ".txt"}
)

PLACEHOLDER = "\x00"
WORD = re.compile(r"[^\W\d_]{2,}")
# Proper names are the same in every language.
NAMES = {
    "Chorus",
    "LinkedIn",
    "Mastodon",
    "Bluesky",
    "Facebook",
    "Instagram",
    "Threads",
    "Xing",
    "Reddit",
    "WhatsApp",
    "Telegram",
    "RSS",
    "CSV",
    "API",
    "URL",
    "OpenAI",
}
USER_FACING_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
LITERAL_ELEMENTS = {"code", "pre", "kbd", "samp", "script", "style"}
TRANSLATED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment"}


def words(text: str) -> list[str]:
    return [word for word in WORD.findall(text.replace(PLACEHOLDER, " ")) if word not in NAMES]


def masked(source: str) -> str:
    """The template with every tag, variable and translated block turned into a placeholder,
    line breaks kept so that line numbers still match."""
    parts: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        raw = token.contents
        if token.token_type == TokenType.BLOCK:
            name = raw.split(" ", 1)[0] if raw else ""
            if closing is None and name in TRANSLATED_BLOCKS | SKIPPED_BLOCKS:
                closing = (TRANSLATED_BLOCKS | SKIPPED_BLOCKS)[name]
            elif name == closing:
                closing = None
            parts.append(PLACEHOLDER + "\n" * raw.count("\n"))
        elif token.token_type == TokenType.TEXT and closing is None:
            parts.append(raw)
        else:
            parts.append(PLACEHOLDER + "\n" * raw.count("\n"))
    return "".join(parts)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.literal_depth = 0
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LITERAL_ELEMENTS:
            self.literal_depth += 1
        for name, value in attrs:
            shown = name in USER_FACING_ATTRIBUTES or (
                name == "value" and tag in {"input"} and ("type", "submit") in attrs
            )
            if shown and value and words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in LITERAL_ELEMENTS and self.literal_depth:
            self.literal_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.literal_depth:
            return
        first = self.getpos()[0]
        for offset, line in enumerate(data.split("\n")):
            if words(line):
                self.found.append((first + offset, line.strip().replace(PLACEHOLDER, "…")))


def untranslated(path: Path) -> list[tuple[int, str]]:
    text = masked(path.read_text())
    if path.suffix == ".txt":
        return [
            (number, line.replace(PLACEHOLDER, "…"))
            for number, line in enumerate(text.splitlines(), 1)
            if words(line)
        ]
    finder = _Finder()
    finder.feed(text)
    finder.close()
    return finder.found


def test_the_checker_finds_plain_words_and_passes_translated_ones(tmp_path: Path) -> None:
    template = tmp_path / "page.html"
    template.write_text(
        "{% load i18n %}<h1>Your shares</h1>\n"
        '<p title="{% translate "Hello" %}">{% translate "Welcome" %} {{ user.name }}</p>\n'
        '<button aria-label="Close">×</button>\n'  # noqa: RUF001 (a close button's sign)
        "{% blocktranslate with name=user.name %}Hi {{ name }}{% endblocktranslate %}\n"
        "<code>GET /api/v1/posts</code> <span>LinkedIn</span>\n"
        "{% comment %}Not shown{% endcomment %}<p>{% if x %}Later{% endif %}</p>\n"
    )
    assert untranslated(template) == [
        (1, "Your shares"),
        (3, 'aria-label="Close"'),
        (6, "…Later…"),
    ]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(CHORUS)))
def test_every_word_in_the_template_is_translatable(path: Path) -> None:
    found = untranslated(path)
    assert not found, "\n".join(f"{path}:{line}: {text}" for line, text in found)
