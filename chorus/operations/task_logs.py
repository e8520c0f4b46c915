"""The log context of a task: its id and name, and the request that enqueued it.

Connected to django-tasks' signals in OperationsConfig.ready. In the worker, everything
logged while a task runs carries task_id, task and what the enqueuing request bound
(request_id, organization_id, user_id: chorus.core.task_backend). An enqueue is logged
with the new task's id, so the scheduler's and a request's lines name the tasks they made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

import structlog

from chorus.core.task_backend import stored_context

logger = logging.getLogger("chorus.tasks")
# The tokens of each running task's binding, innermost last.
_bound: ContextVar[tuple[Mapping[str, Token[Any]], ...]] = ContextVar(
    "chorus_task_log_tokens", default=()
)


def _name(task_result: Any) -> str:
    return str(getattr(task_result.task, "module_path", "?"))


def task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    logger.info(
        "Task %s enqueued",
        _name(task_result),
        extra={"task_id": str(task_result.id), "task": _name(task_result)},
    )


def task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    tokens = structlog.contextvars.bind_contextvars(
        **stored_context(task_result), task_id=str(task_result.id), task=_name(task_result)
    )
    _bound.set((*_bound.get(), tokens))


def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Back to what was bound before the task: nothing in a worker; the request's context
    # when the task ran inside it (the immediate backend, tests); the outer task's when a
    # task ran another. django-tasks logs the outcome before this (connected first).
    stack = _bound.get()
    if stack:
        structlog.contextvars.reset_contextvars(**stack[-1])
        _bound.set(stack[:-1])
