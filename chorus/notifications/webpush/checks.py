"""System checks: a VAPID key or subject that push services would refuse is a startup
error, not a silent failure of every push."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from chorus.notifications.webpush.services.keys import parse_private_key

# What py_vapid accepts as `sub` (RFC 8292 §2.1: a mailto: or https: URI).
SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+\S*)$", re.IGNORECASE)


@register()
def vapid_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if settings.VAPID_PRIVATE_KEY:
        try:
            parse_private_key(str(settings.VAPID_PRIVATE_KEY))
        except ValueError as error:
            errors.append(
                Error(
                    f"VAPID_PRIVATE_KEY is not a usable P-256 private key: {error}",
                    hint="PEM, or base64url of the raw 32-byte key or of its DER form.",
                    id="notifications_webpush.E001",
                )
            )
    if settings.VAPID_SUBJECT and not SUBJECT.match(str(settings.VAPID_SUBJECT)):
        errors.append(
            Error(
                "VAPID_SUBJECT must be a mailto: address or an https: URL.",
                id="notifications_webpush.E002",
            )
        )
    return errors
