"""LinkedIn: the share-offsite link (URL only)."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import with_query

SHARE_OFFSITE = "https://www.linkedin.com/sharing/share-offsite/"


class LinkedIn:
    name: ClassVar[str] = "linkedin"
    label: ClassVar[str] = "LinkedIn"
    intent_takes_text: ClassVar[bool] = False
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = 60

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        return with_query(SHARE_OFFSITE, [("url", url)])
