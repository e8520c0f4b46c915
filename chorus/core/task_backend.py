"""django-tasks-db's backend, carrying the log context of whoever enqueued a task.

A task enqueued during a request (usually from transaction.on_commit) is stored with the
request's id and the organization and user ids bound to its log lines
(chorus.core.logs.CARRIED_KEYS), in the stored row's JSON beside the arguments, never in
them: no task's signature changes. The worker binds them again, with the task's own id,
while it runs the task (chorus.operations.apps: django-tasks' task_started signal), so the
worker's lines for the task show the request id that caused it.
"""

from __future__ import annotations

from typing import Any

from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend as BaseDatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult

from chorus.core.logs import carried_context

CONTEXT_KEY = "log_context"


class DatabaseBackend(BaseDatabaseBackend):
    def _task_to_db_task(
        self, task: Task[Any, Any], args: Any, kwargs: Any
    ) -> DBTaskResult[Any, Any]:
        stored: dict[str, Any] = {"args": args, "kwargs": kwargs}
        if context := carried_context():
            stored[CONTEXT_KEY] = context
        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=normalize_json(stored),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,  # type: ignore[misc]
            backend_name=self.alias,
        )


def stored_context(task_result: Any) -> dict[str, Any]:
    """The log context a task was enqueued with ({} for another backend or none)."""
    db_result = getattr(task_result, "db_result", None)
    if db_result is None:
        return {}
    context = (db_result.args_kwargs or {}).get(CONTEXT_KEY)
    return dict(context) if isinstance(context, dict) else {}
