"""Threads: the post intent (text, and the link as attachment unless the text holds it)."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import url_unless_in_text, with_query

# https://developers.facebook.com/docs/threads/threads-web-intents (threads.net redirects here).
POST_INTENT = "https://www.threads.com/intent/post"


class Threads:
    name: ClassVar[str] = "threads"
    label: ClassVar[str] = "Threads"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = 60

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        text = text.strip()
        return with_query(POST_INTENT, [("text", text), ("url", url_unless_in_text(text, url))])
