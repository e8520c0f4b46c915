"""Facebook: share link only (the sharer takes the URL; the caption is offered for copy)."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import with_query

SHARER = "https://www.facebook.com/sharer/sharer.php"


class Facebook:
    name: ClassVar[str] = "facebook"
    label: ClassVar[str] = "Facebook"
    intent_takes_text: ClassVar[bool] = False
    can_publish: ClassVar[bool] = False

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        return with_query(SHARER, [("u", url)])
