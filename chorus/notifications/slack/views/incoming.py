"""The two addresses Slack calls: Event Subscriptions and Interactivity.

Neither has a session or a CSRF token (Slack signs its requests instead): they are the only
CSRF-exempt Slack pages, and an unsigned, stale or replayed request is a 401 that changes
nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chorus.accounts.access import public
from chorus.notifications.slack.services.incoming import event_handle, request_verified


def _refused() -> HttpResponse:
    return HttpResponse("Invalid Slack signature.", status=401, content_type="text/plain")


@csrf_exempt
@require_POST
@public
def slack_events(request: HttpRequest) -> HttpResponse:
    body = request.body
    if not request_verified(body=body, headers=request.headers):
        return _refused()
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    answer = event_handle(payload)
    if answer is not None:
        return JsonResponse(answer)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
@public
def slack_interactivity(request: HttpRequest) -> HttpResponse:
    """Slack tells us a button was clicked. Chorus's buttons only open a page (their "url"),
    so there is nothing to do but acknowledge it, with an empty 200 within three seconds."""
    body = request.body
    if not request_verified(body=body, headers=request.headers):
        return _refused()
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10)
        json.loads(fields.get("payload", ["{}"])[0])
    except ValueError:
        return HttpResponse(status=400)
    return HttpResponse(status=200)
