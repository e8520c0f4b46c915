"""X: the tweet intent."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import url_unless_in_text, with_query

TWEET_INTENT = "https://x.com/intent/tweet"


class X:
    name: ClassVar[str] = "x"
    label: ClassVar[str] = "X"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = None

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        text = text.strip()
        return with_query(TWEET_INTENT, [("text", text), ("url", url_unless_in_text(text, url))])
