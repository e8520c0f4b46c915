"""The audit log, read-only: who did what to whom, and when."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.forms_admin import AuditFilterForm
from chorus.accounts.selectors import audit as selectors
from chorus.core.audit import audit_action_label
from chorus.core.models import AuditEvent

EVENTS_PER_PAGE = 50

AuditRow = tuple[AuditEvent, str, list[tuple[str, str]]]


def _display(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value)
    if value is None:
        return "—"
    return str(value)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Each event with its action in words and its data as (key, text) pairs, ready for the
    template to escape.

    Built here rather than with `data.items` in the template, where a data key named
    "items" would shadow the dict method.
    """
    rows: list[AuditRow] = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {"data": event.data}
        pairs = [(str(key).replace("_", " "), _display(value)) for key, value in data.items()]
        rows.append((event, audit_action_label(event.action), pairs))
    return rows


@require_GET
@admin_required
def audit_log(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    form = AuditFilterForm(
        request.GET or None, actions=selectors.audit_actions(organization=organization)
    )
    filter_errors: list[str] = []
    if form.is_bound and not form.is_valid():
        filter_errors = [
            f"{form.fields[name].label or name.capitalize()}: {' '.join(map(str, errors))}"
            for name, errors in form.errors.items()
            if name in form.fields
        ]
    events = selectors.audit_event_list(organization=organization, **form.filters())
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(page.object_list),
        "filter_errors": filter_errors,
        "query": query.urlencode(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "accounts/audit_table.html", context)
    return render(request, "accounts/audit.html", context)
