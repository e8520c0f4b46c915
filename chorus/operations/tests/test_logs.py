"""Request ids: kept or made, returned, on every JSON log line of the request and of the
tasks it enqueued, as the worker runs them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from chorus.accounts.services import tokens as token_services
from chorus.core.logs import logging_config
from chorus.operations.tests.test_metrics import DB_TASKS, run_ready_tasks


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger's lines, through the formatter LOG_FORMAT=json configures."""
    formatter_config = dict(
        logging_config(log_format="json", level="INFO")["formatters"]["structured"]
    )
    factory = formatter_config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**formatter_config))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_sane_incoming_request_id_is_kept_and_returned(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"


@pytest.mark.parametrize("incoming", ["", "short", "has spaces in it", "x" * 200, "évil-id-123456"])
def test_an_insane_request_id_is_replaced(client, db, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


@override_settings(TASKS=DB_TASKS)
def test_the_request_id_is_on_the_request_lines_and_the_task_lines(
    client, transactional_db, admin_member, json_lines
):
    _, secret = token_services.api_token_create(membership=admin_member, name="logs test")
    response = client.post(
        "/api/v1/invitations",
        {"email": "new@acme.test", "roles": ["employee"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_X_REQUEST_ID="req-0123456789abcdef",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    request_lines = lines_of(json_lines)
    [request_line] = [line for line in request_lines if line["logger"] == "chorus.requests"]
    assert request_line["event"] == "POST /api/v1/invitations 201"
    assert request_line["request_id"] == "req-0123456789abcdef"
    assert request_line["route"] == "api:invitation_list"
    assert request_line["organization_id"] == admin_member.organization_id
    assert request_line["user_id"] == admin_member.user_id
    [enqueued] = [line for line in request_lines if line["logger"] == "chorus.tasks"]
    assert enqueued["request_id"] == "req-0123456789abcdef"
    assert enqueued["task"] == "chorus.accounts.tasks.invitations_send"
    # Ids only: no email address on any line.
    assert "@" not in json_lines.getvalue()

    json_lines.seek(0)
    json_lines.truncate()
    assert run_ready_tasks() == 1
    task_lines = lines_of(json_lines)
    finished = [line for line in task_lines if "state=SUCCESSFUL" in line["event"]]
    assert finished, task_lines
    for line in finished:
        assert line["request_id"] == "req-0123456789abcdef"
        assert line["task_id"] == enqueued["task_id"]
        assert line["organization_id"] == admin_member.organization_id
    # The worker's context ends with the task.
    logging.getLogger("chorus.test").info("after the task")
    assert "request_id" not in lines_of(json_lines)[-1]
