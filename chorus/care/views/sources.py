"""Care pages: where conversations come from. Admins keep the listening sources and the
inbound webhook; any member in the program sends a customer's post to care; care staff type
a case in. The webhook itself is public and signed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required, public, role_required
from chorus.care.access import is_care_member, is_care_staff
from chorus.care.forms import CareManualForm, CareSendForm, CareSourceForm
from chorus.care.models import CareSource, Priority
from chorus.care.selectors.sources import inbound_state, source_get, sources_for
from chorus.care.services import inbound as inbound_services
from chorus.care.services import sources as services
from chorus.networks.base import Incoming

CARE_STAFF = ("approver", "curator", "admin")

# The inbound webhook's payload, shown on the sources page (the API docs describe it too).
PAYLOAD_EXAMPLE = """{
  "id": "ticket-4711",
  "thread_id": "ticket-4700",
  "network": "helpdesk",
  "url": "https://help.example.com/tickets/4711",
  "text": "My order never arrived.",
  "author": {"handle": "@carla", "name": "Carla", "url": "https://example.com/carla"},
  "posted_at": "2030-03-04T10:00:00Z",
  "subject": "Missing order",
  "priority": "high",
  "tags": ["Delivery"]
}"""


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _source(request: MemberRequest, source_id: int) -> CareSource:
    found = source_get(organization=request.organization, source_id=source_id)
    if found is None:
        raise Http404
    return found


def _sources_page(request: MemberRequest, *, new_secret: str = "") -> HttpResponse:
    inbound = inbound_state(organization=request.organization)
    webhook_url = (
        request.build_absolute_uri(reverse("care_webhook", args=[inbound.key]))
        if inbound.enabled
        else ""
    )
    return render(
        request,
        "care/sources.html",
        {
            "sources": sources_for(organization=request.organization),
            "inbound": inbound,
            "webhook_url": webhook_url,
            "new_secret": new_secret,
            "payload_example": PAYLOAD_EXAMPLE,
            "priorities": Priority.values,
        },
    )


@admin_required
def care_sources(request: MemberRequest) -> HttpResponse:
    """Each source with its state (last poll, last error, failures, next poll), and the
    inbound webhook."""
    return _sources_page(request)


def _fields(form: CareSourceForm) -> services.SourceFields:
    data = form.cleaned_data
    return services.SourceFields(
        kind=data["kind"],
        name=data["name"],
        instance=data["instance"],
        handle=data["handle"],
        query=data["query"],
        secret=data["secret"] or None,
        default_priority=data["default_priority"],
        default_tags=list(data["default_tags"]),
        is_active=data["is_active"],
    )


@admin_required
def care_source_new(request: MemberRequest) -> HttpResponse:
    form = CareSourceForm(request.POST or None, organization=request.organization, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(membership=request.membership, fields=_fields(form))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Added “%(name)s”. Use “Check now” to read it once.") % {"name": source.name},
            )
            return redirect("care_sources")
    return render(
        request,
        "care/sources_form.html",
        {"form": form, "source": None},
        status=400 if form.is_bound else 200,
    )


@admin_required
def care_source_edit(request: MemberRequest, care_source_id: int) -> HttpResponse:
    source = _source(request, care_source_id)
    initial = {
        "kind": source.kind,
        "name": source.name,
        "instance": source.instance,
        "handle": source.handle,
        "query": source.query,
        "default_priority": source.default_priority,
        "default_tags": list(source.default_tags.all()),
        "is_active": source.is_active,
    }
    form = CareSourceForm(
        request.POST or None, initial=initial, organization=request.organization, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                membership=request.membership, source=source, fields=_fields(form)
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": source.name})
            return redirect("care_sources")
    return render(
        request,
        "care/sources_form.html",
        {"form": form, "source": source},
        status=400 if form.is_bound else 200,
    )


@require_POST
@admin_required
def care_source_delete(request: MemberRequest, care_source_id: int) -> HttpResponse:
    source = _source(request, care_source_id)
    name = source.name
    services.source_delete(membership=request.membership, source=source)
    messages.success(
        request, _("Removed “%(name)s”; its conversations stay in the inbox.") % {"name": name}
    )
    return redirect("care_sources")


@require_POST
@admin_required
def care_source_check(request: MemberRequest, care_source_id: int) -> HttpResponse:
    """Poll once now and say what happened."""
    source = _source(request, care_source_id)
    outcome = services.source_poll(source=source)
    if outcome.error:
        messages.error(
            request,
            _("“%(name)s” could not be read: %(error)s")
            % {"name": source.name, "error": outcome.error},
        )
    else:
        messages.success(
            request,
            _(
                "“%(name)s” read: %(found)s new posts, %(conversations)s conversations "
                "started or continued."
            )
            % {"name": source.name, "found": outcome.found, "conversations": outcome.conversations},
        )
    return redirect("care_sources")


@require_POST
@admin_required
def care_inbound_secret(request: MemberRequest) -> HttpResponse:
    """A new address and signing secret for the inbound webhook, the secret shown once."""
    _key, secret = services.inbound_secret_create(membership=request.membership)
    messages.success(
        request,
        _("The webhook has a new address and secret; the old ones no longer work."),
    )
    return _sources_page(request, new_secret=secret)


@require_POST
@admin_required
def care_inbound_disable(request: MemberRequest) -> HttpResponse:
    services.inbound_disable(membership=request.membership)
    messages.success(request, _("The inbound webhook is off."))
    return redirect("care_sources")


@csrf_exempt
@require_POST
@public
def care_webhook(request: HttpRequest, inbound_key: str) -> JsonResponse:
    """Another tool pushes a conversation in (Standard Webhooks signature)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        result = inbound_services.webhook_receive(
            inbound_key=inbound_key, body=request.body, headers=headers
        )
    except inbound_services.InboundRefused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    return JsonResponse(
        {"conversation_id": result.conversation_id, "duplicate": result.duplicate},
        status=200 if result.duplicate else 201,
    )


# Send to care ---------------------------------------------------------------------------


def _may_send(request: MemberRequest) -> None:
    if not (request.membership.is_advocate or is_care_staff(request.membership)):
        raise PermissionDenied("Join the advocacy program to send posts to care.")


@role_required()
def care_send(request: MemberRequest) -> HttpResponse:
    """Paste a link; Chorus reads the post where the network allows and shows it; the
    member adds a note and sends it. Where it cannot be read, the member types it."""
    _may_send(request)
    form = CareSendForm(request.POST or None)
    read: Incoming | None = None
    typing = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        typed = bool(data["text"].strip() or data["author_handle"].strip())
        network = ""
        if not typed:
            try:
                network, read = inbound_services.post_read(
                    organization=request.organization, url=data["url"]
                )
            except ValueError as error:
                typing = True
                form.add_error(
                    None,
                    _("%(reason)s Type what the customer wrote and who wrote it.")
                    % {"reason": error},
                )
        if request.POST.get("action") == "send" and (read is not None or typed):
            try:
                result = inbound_services.conversation_send(
                    membership=request.membership,
                    url=data["url"],
                    text=data["text"],
                    author_handle=data["author_handle"],
                    note=data["note"],
                    item=read,
                    network=network,
                )
            except ValidationError as error:
                typing = typed or typing
                read = None
                _apply_errors(form, error)
            else:
                conversation = result.conversation
                if result.joined:
                    messages.success(
                        request,
                        _("This post was in care already; your note joined its conversation.")
                        if data["note"].strip()
                        else _("This post was in care already; the care team has it."),
                    )
                else:
                    messages.success(request, _("Sent to care. Thank you!"))
                if is_care_member(request.membership):
                    return redirect("care_conversation", conversation.pk)
                return redirect("care_send")
        typing = typing or typed
    return render(
        request,
        "care/send.html",
        {"form": form, "read": read, "typing": typing},
        status=400 if form.errors else 200,
    )


# Manual entry -----------------------------------------------------------------------


@role_required(*CARE_STAFF)
def care_new(request: MemberRequest) -> HttpResponse:
    form = CareManualForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = inbound_services.conversation_enter(
                membership=request.membership,
                network=data["network"],
                customer_handle=data["customer_handle"],
                customer_name=data["customer_name"],
                text=data["text"],
                url=data["url"],
                priority=data["priority"],
                tags=list(data["tags"]),
                subject=data["subject"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The conversation is in the inbox."))
            return redirect("care_conversation", conversation.pk)
    return render(request, "care/new.html", {"form": form}, status=400 if form.is_bound else 200)
