"""Structured logs: structlog in front of the standard library's logging.

Every log line, Django's and the apps' (`logging.getLogger(__name__)`) as much as
structlog's, goes through one formatter: JSON lines on stdout (LOG_FORMAT=json, the
default in production) or readable console lines (LOG_FORMAT=console, the default with
DEBUG). What is bound to the context (structlog.contextvars: the request id, the
organization and user ids during a request; the task id and the request id that enqueued
it in a worker) is added to every line. Never bind an email address or a name.
"""

from __future__ import annotations

from typing import Any

import structlog

# Bound during a request (chorus.operations.middleware) and carried with the tasks it
# enqueues (chorus.core.task_backend): the same names in the worker's lines.
CARRIED_KEYS = ("request_id", "organization_id", "user_id")


def _processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Configure structlog and return Django's LOGGING for the same output."""
    if log_format not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {log_format!r}")
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any
    if log_format == "json":
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=False)]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *renderer,
                ],
                # The fields the request line and Django's request logger pass as `extra`.
                "foreign_pre_chain": [
                    *_processors(),
                    structlog.stdlib.ExtraAdder(
                        allow=("route", "duration_ms", "status_code", "task_id", "task")
                    ),
                ],
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "structured",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
        },
    }


def bind_identity(*, user_id: int | None, organization_id: int | None) -> None:
    """Who the request acts as, on its log lines from now on (ids only)."""
    if user_id is not None:
        structlog.contextvars.bind_contextvars(user_id=user_id)
    if organization_id is not None:
        structlog.contextvars.bind_contextvars(organization_id=organization_id)


def carried_context() -> dict[str, Any]:
    """What a task enqueued now should log with: the request's id and who made it."""
    bound = structlog.contextvars.get_contextvars()
    return {key: bound[key] for key in CARRIED_KEYS if key in bound}
