"""WhatsApp: a click-to-chat link that lets the member pick the chat; the text carries the URL."""

from __future__ import annotations

from typing import ClassVar

from chorus.networks.intents import text_with_url, with_query

CLICK_TO_CHAT = "https://wa.me/"


class WhatsApp:
    name: ClassVar[str] = "whatsapp"
    label: ClassVar[str] = "WhatsApp"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = False

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        return with_query(CLICK_TO_CHAT, [("text", text_with_url(text, url))])
