"""The readiness map (curators, approvers and admins: who sees the program dashboard)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chorus.accounts.access import MemberRequest, role_required
from chorus.analytics.readiness_export import readiness_table
from chorus.analytics.selectors import readiness as readiness_selectors
from chorus.analytics.views.dashboard import ANALYSTS
from chorus.core import exports


@role_required(*ANALYSTS)
def readiness(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "analytics/readiness.html",
        {
            "readiness": readiness_selectors.readiness_map(organization=request.organization),
            "thresholds": readiness_selectors,
        },
    )


@role_required(*ANALYSTS)
def readiness_export(request: MemberRequest) -> HttpResponse:
    format = request.GET.get("format", "csv")
    try:
        table = readiness_table(organization=request.organization)
        return exports.response(
            table, name=f"readiness-{timezone.localdate().isoformat()}", format=format
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
