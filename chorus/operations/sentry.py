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
from typing import Any


def chorus_version() -> str:
    try:
        return metadata.version("chorus")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])


def _with_log_context(event: Any, hint: Any) -> Any:
    """Tag the event with the request's or task's ids, to find its log lines."""
    import structlog

    bound = structlog.contextvars.get_contextvars()
    tags = event.setdefault("tags", {})
    for key in ("request_id", "task_id", "task", "organization_id"):
        if key in bound:
            tags[key] = str(bound[key])
    return event


def sentry_init(*, dsn: str, traces_sample_rate: float, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=f"chorus@{chorus_version()}",
        environment=environment,
        send_default_pii=False,
        # A frame's local variables hold whatever the code held (a member's email, a
        # share's text): not sent, the stack trace is enough.
        include_local_variables=False,
        before_send=_with_log_context,
        # Django's request bodies may hold personal data: never sent.
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate or None,
        integrations=[
            DjangoIntegration(),
            # Errors logged (a task that failed, logger.exception) become events too.
            LoggingIntegration(event_level=logging.ERROR),
        ],
    )
