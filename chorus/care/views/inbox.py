"""The inbox (filters, saved views, counts, keyset pages) and a conversation's page (the
thread, the claim, triage and notes)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Membership
from chorus.care.access import care_require, is_care_staff
from chorus.care.models import (
    CareSource,
    Conversation,
    ConversationStatus,
    MessageDirection,
    Origin,
    Priority,
    SavedView,
)
from chorus.care.models.inbox import OPEN_STATUSES
from chorus.care.selectors import agents as agent_selectors
from chorus.care.selectors import inbox as selectors
from chorus.care.services import inbox as services
from chorus.content.models import Network
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_check


class InboxFilterForm(forms.Form):
    """The inbox's filters as a form, only to render them (InboxFilters reads them)."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Assignee"), required=False)
    tag = forms.ChoiceField(label=gettext_lazy("Product area"), required=False)
    network = forms.ChoiceField(label=gettext_lazy("Network"), required=False)
    language = forms.CharField(label=gettext_lazy("Language"), required=False, max_length=10)
    source = forms.ChoiceField(label=gettext_lazy("Source"), required=False)
    breaching = forms.BooleanField(label=gettext_lazy("Breaching soon"), required=False)
    order = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            ("newest", gettext_lazy("Newest first")),
            ("urgent", gettext_lazy("Urgent first")),
        ],
    )

    def _choose(self, name: str, choices: list[Any]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = membership.organization
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("open", pgettext_lazy("conversation status", "Open")),
            ("all", pgettext_lazy("conversation status", "All")),
            *ConversationStatus.choices,
        ]
        cast(forms.ChoiceField, self.fields["priority"]).choices = [
            ("", gettext_lazy("Any priority")),
            *Priority.choices,
        ]
        agents = [
            (str(membership_id), name)
            for membership_id, name in selectors.inbox_assignees(organization=organization)
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("anyone", gettext_lazy("Anyone")),
            ("mine", gettext_lazy("Mine")),
            ("unassigned", gettext_lazy("Unassigned")),
            *agents,
        ]
        cast(forms.ChoiceField, self.fields["tag"]).choices = [
            ("", gettext_lazy("Any product area"))
        ] + [(str(tag.pk), tag.name) for tag in selectors.care_tags(organization=organization)]
        cast(forms.ChoiceField, self.fields["network"]).choices = [
            ("", gettext_lazy("Any network")),
            *Network.choices,
        ]
        sources = CareSource.objects.filter(organization_id=organization.pk).only("pk", "name")
        cast(forms.ChoiceField, self.fields["source"]).choices = [
            ("", gettext_lazy("Any source")),
            *[(str(source.pk), source.name) for source in sources],
            *[(value, label) for value, label in Origin.choices if value != Origin.SOURCE],
        ]


def _filters_initial(filters: selectors.InboxFilters) -> dict[str, Any]:
    return {
        "q": filters.q,
        "status": filters.status,
        "priority": filters.priority,
        "assignee": filters.assignee,
        "tag": str(filters.tag) if filters.tag is not None else "",
        "network": filters.network,
        "language": filters.language,
        "source": filters.source,
        "breaching": filters.breaching,
        "order": filters.order,
    }


@dataclass(frozen=True)
class InboxLine:
    """A row of the inbox as the page shows it, worked out once here so that the template
    only prints (the page lists 50 of them)."""

    url: str
    title: str
    details: str
    tags: list[str]
    status: str
    priority: str
    assignee: str
    target: str
    overdue: bool


def _inbox_lines(rows: list[selectors.InboxRow]) -> list[InboxLine]:
    now = timezone.now()
    statuses = dict(ConversationStatus.choices)
    priorities = dict(Priority.choices)
    lines = []
    for row in rows:
        conversation = row.conversation
        details = conversation.customer_handle
        if conversation.network:
            details += f" · {conversation.network}"
        if conversation.language:
            details += f" · {conversation.language}"
        assignee = conversation.assignee
        target = ""
        if row.due is not None:
            if row.overdue:
                target = _("overdue by %(time)s") % {"time": timesince(row.due, now)}
            else:
                target = _("%(time)s left") % {"time": timeuntil(row.due, now)}
        lines.append(
            InboxLine(
                url=reverse("care_conversation", args=[conversation.pk]),
                title=conversation.subject or conversation.customer_handle or str(conversation.pk),
                details=details,
                tags=[tag.name for tag in conversation.tags.all()],
                status=str(statuses.get(conversation.status, conversation.status)),
                priority=str(priorities.get(conversation.priority, conversation.priority)),
                assignee=(assignee.user.name or assignee.user.email) if assignee else "",
                target=target,
                overdue=row.overdue,
            )
        )
    return lines


@role_required()
@require_GET
def care_inbox(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    care_require(membership)
    filters = selectors.InboxFilters.from_query(request.GET)
    after = request.GET.get("after") or None
    page = selectors.inbox_page(membership=membership, filters=filters, after=after)
    form = InboxFilterForm(initial=_filters_initial(filters), membership=membership)
    counts = selectors.inbox_counts(membership=membership, filters=filters)
    context = {
        "filters": filters,
        "form": form,
        "page": page,
        "lines": _inbox_lines(page.rows),
        "after": after,
        "status_links": [
            (value, label, filters.query(status=value), counts.get(value, 0))
            for value, label in [
                ("open", pgettext_lazy("conversation status", "Open")),
                *ConversationStatus.choices,
            ]
        ],
        "saved_views": selectors.saved_views(membership=membership),
        "current_query": filters.query(),
        "agent": agent_selectors.agent_of(membership=membership),
    }
    return render(request, "care/inbox.html", context)


@role_required()
@require_POST
def care_saved_view_create(request: MemberRequest) -> HttpResponse:
    care_require(request.membership)
    query = request.POST.get("query", "")
    try:
        services.saved_view_create(
            membership=request.membership, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The view is saved."))
    return redirect(reverse("care_inbox") + (f"?{query}" if query else ""))


@role_required()
@require_POST
def care_saved_view_delete(request: MemberRequest, saved_view_id: int) -> HttpResponse:
    care_require(request.membership)
    try:
        saved = selectors.saved_view_get(membership=request.membership, saved_view_id=saved_view_id)
    except SavedView.DoesNotExist:
        raise Http404 from None
    services.saved_view_delete(saved_view=saved)
    messages.success(request, _("The view is deleted."))
    return redirect("care_inbox")


# A conversation ----------------------------------------------------------------------


def _conversation(request: MemberRequest, conversation_id: int) -> Conversation:
    care_require(request.membership)
    try:
        return selectors.conversation_get(
            organization=request.organization, conversation_id=conversation_id
        )
    except Conversation.DoesNotExist:
        raise Http404 from None


def _context(request: MemberRequest, conversation: Conversation, **extra: Any) -> dict[str, Any]:
    membership = request.membership
    live = services.claim_live(conversation)
    claimed_by_other = live and conversation.claimed_by_id != membership.pk
    staff = is_care_staff(membership)
    context = {
        "conversation": conversation,
        "thread": selectors.conversation_thread(conversation=conversation),
        "claim": conversation.claimed_by if live else None,
        "claim_message": services.claim_message(conversation) if claimed_by_other else "",
        "claimed_by_me": live and conversation.claimed_by_id == membership.pk,
        "can_answer": not claimed_by_other and conversation.status != ConversationStatus.CLOSED,
        "care_gate": gate_check(membership=membership, action=GateAction.CARE),
        "is_staff": staff,
        "is_open": conversation.status in OPEN_STATUSES,
        "statuses": ConversationStatus.choices,
        "priorities": Priority.choices,
        "tags": selectors.care_tags(organization=request.organization),
        "tag_ids": {tag.pk for tag in conversation.tags.all()},
        "assignable": services.assignable_members(conversation=conversation) if staff else [],
        "note_direction": MessageDirection.NOTE,
        "reply_direction": MessageDirection.REPLY,
        "note_text": "",
        "errors": [],
    }
    context.update(extra)
    return context


@role_required()
@require_GET
def care_conversation(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    membership = request.membership
    # The assignee opening it to answer claims it (or renews their claim), unless someone
    # else holds it.
    if (
        conversation.assignee_id == membership.pk
        and conversation.status in OPEN_STATUSES
        and (not services.claim_live(conversation) or conversation.claimed_by_id == membership.pk)
    ):
        with contextlib.suppress(ValidationError):
            conversation = services.conversation_claim(
                conversation=conversation, membership=membership
            )
        conversation = selectors.conversation_get(
            organization=request.organization, conversation_id=conversation.pk
        )
    return render(request, "care/conversation.html", _context(request, conversation))


def _back(conversation: Conversation) -> HttpResponse:
    return redirect("care_conversation", conversation.pk)


def _refused(
    request: MemberRequest, conversation: Conversation, error: ValidationError, **kept: Any
) -> HttpResponse:
    return render(
        request,
        "care/conversation.html",
        _context(request, conversation, errors=error.messages, **kept),
        status=400,
    )


@role_required()
@require_POST
def care_conversation_claim(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    try:
        services.conversation_claim(
            conversation=conversation,
            membership=request.membership,
            take_over=request.POST.get("take_over") == "1",
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_release(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    try:
        services.conversation_release(
            conversation=conversation,
            membership=request.membership,
            unassign=request.POST.get("unassign") == "1",
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    messages.success(request, _("You released the conversation."))
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_status(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    try:
        services.conversation_status_set(
            conversation=conversation,
            membership=request.membership,
            status=request.POST.get("status", ""),
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_priority(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    try:
        services.conversation_priority_set(
            conversation=conversation,
            membership=request.membership,
            priority=request.POST.get("priority", ""),
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_tags(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    raw = request.POST.getlist("tags")
    try:
        if not all(value.isdigit() for value in raw):
            raise ValidationError(_("Choose tags from the list."))
        services.conversation_tags_set(
            conversation=conversation,
            membership=request.membership,
            tag_ids=[int(value) for value in raw],
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_assign(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    if not is_care_staff(request.membership):
        raise PermissionDenied("Only care staff assign conversations.")
    raw = request.POST.get("assignee", "")
    try:
        assignee = None
        if raw:
            if not raw.isdigit():
                raise ValidationError(_("Choose a member from the list."))
            assignee = Membership.objects.filter(
                organization_id=request.organization.pk, pk=int(raw)
            ).first()
            if assignee is None:
                raise ValidationError(_("Choose a member from the list."))
        services.conversation_assign(
            conversation=conversation, membership=request.membership, assignee=assignee
        )
    except ValidationError as error:
        return _refused(request, conversation, error)
    return _back(conversation)


@role_required()
@require_POST
def care_conversation_note(request: MemberRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    text = request.POST.get("text", "")
    try:
        services.conversation_note_add(
            conversation=conversation, membership=request.membership, text=text
        )
    except ValidationError as error:
        return _refused(request, conversation, error, note_text=text)
    return _back(conversation)
