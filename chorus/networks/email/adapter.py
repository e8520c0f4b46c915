"""Email: a mailto: link (RFC 6068) with the caption as body and its first line as subject."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import encode, text_with_url

SUBJECT_LENGTH = 78


def subject_from(text: str, url: str) -> str:
    """The first line of the text, without the link, shortened at a word to fit a subject."""
    for line in text.splitlines():
        line = line.replace(url, "").strip() if url else line.strip()
        if line:
            if len(line) <= SUBJECT_LENGTH:
                return line
            cut = line[: SUBJECT_LENGTH - 1].rsplit(" ", 1)[0].rstrip()
            return f"{cut or line[: SUBJECT_LENGTH - 1]}…"
    return ""


class Email:
    name: ClassVar[str] = "email"
    label: ClassVar[str] = "Email"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = False

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        # RFC 6068: line breaks in a body are CRLF, encoded as %0D%0A; spaces as %20.
        body = "\r\n".join(text_with_url(text, url).splitlines())
        fields = [("subject", subject_from(text, url)), ("body", body)]
        query = "&".join(f"{name}={encode(value)}" for name, value in fields if value)
        return f"mailto:?{query}" if query else "mailto:"
