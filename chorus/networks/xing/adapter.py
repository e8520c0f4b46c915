"""Xing: share link only (the share dialog takes the URL; the caption is offered for copy)."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import with_query

SHARE = "https://www.xing.com/spi/shares/new"


class Xing:
    name: ClassVar[str] = "xing"
    label: ClassVar[str] = "Xing"
    intent_takes_text: ClassVar[bool] = False
    can_publish: ClassVar[bool] = False

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        return with_query(SHARE, [("url", url)])
