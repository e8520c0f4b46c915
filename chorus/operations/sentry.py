"""Optional error reports to Sentry (or a compatible service): only when SENTRY_DSN is set.

Called from settings, before Django starts, as sentry-sdk's Django integration asks.
Personal data stays out: no user, cookies, request bodies or client addresses
(send_default_pii=False), and performance traces only at SENTRY_TRACES_SAMPLE_RATE.
"""

from __future__ import annotations

import logging
import tomllib
from importlib import metadata
from pathlib import Path


def chorus_version() -> str:
    try:
        return metadata.version("chorus")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])


def sentry_init(*, dsn: str, traces_sample_rate: float, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=f"chorus@{chorus_version()}",
        environment=environment,
        send_default_pii=False,
        # Django's request bodies may hold personal data: never sent.
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate or None,
        integrations=[
            DjangoIntegration(),
            # Errors logged (a task that failed, logger.exception) become events too.
            LoggingIntegration(event_level=logging.ERROR),
        ],
    )
