"""Email: a mailto: link (RFC 6068) with the caption as body and its first line as subject."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import encode, headline, text_with_url

SUBJECT_LENGTH = 78


class Email:
    name: ClassVar[str] = "email"
    label: ClassVar[str] = "Email"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = False

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        # RFC 6068: line breaks in a body are CRLF, encoded as %0D%0A; spaces as %20.
        body = "\r\n".join(text_with_url(text, url).splitlines())
        fields = [("subject", headline(text, url, length=SUBJECT_LENGTH)), ("body", body)]
        query = "&".join(f"{name}={encode(value)}" for name, value in fields if value)
        return f"mailto:?{query}" if query else "mailto:"
