"""The social media policy: trainers write and publish it, admins decide whether sharing
waits for it, members read and acknowledge it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.analytics import exports
from chorus.training.markdown import render_markdown
from chorus.training.models import PolicyAcknowledgement
from chorus.training.selectors import policy as selectors
from chorus.training.services import policy as services

# The record's filter: everyone, those who acknowledged the latest version, those who not yet.
SHOW_CHOICES = ("", "acknowledged", "not_yet")


class PolicyDraftForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.MAX_TITLE)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 20}),
        max_length=services.MAX_BODY,
        required=False,
        help_text=gettext_lazy(
            "Markdown: ## for a heading, **bold**, - for a list. Members see it once you "
            "publish it."
        ),
    )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _manage_context(
    request: MemberRequest, form: PolicyDraftForm, preview: str | None = None
) -> dict[str, Any]:
    organization = request.organization
    policy = selectors.policy_of(organization=organization)
    draft = policy.draft if policy is not None else ""
    versions = list(selectors.versions(organization=organization))
    latest = versions[0] if versions else None
    record = selectors.acknowledgement_record(organization=organization)
    return {
        "form": form,
        "policy": policy,
        "preview_html": render_markdown(draft if preview is None else preview),
        "previewing": preview is not None,
        "draft_empty": not draft.strip(),
        "versions": versions,
        "latest": latest,
        "unpublished_changes": bool(draft.strip())
        and (latest is None or latest.body != draft or latest.title != policy.title)
        if policy is not None
        else False,
        "record": record,
        "required": selectors.required_before_sharing(organization=organization),
        "can_switch": request.membership.has_role("admin"),
        "max_note": services.MAX_NOTE,
    }


def _draft_form(request: MemberRequest, data: Any = None) -> PolicyDraftForm:
    policy = selectors.policy_of(organization=request.organization)
    initial = {
        "title": policy.title if policy is not None else services.default_title(),
        "body": policy.draft if policy is not None else "",
    }
    return PolicyDraftForm(data, initial=initial)


@role_required("trainer")
def training_policy(request: MemberRequest) -> HttpResponse:
    """The draft with its preview, publishing, the versions and the acknowledgement record."""
    if request.method != "POST":
        form = _draft_form(request)
        return render(request, "training/policy_manage.html", _manage_context(request, form))
    form = _draft_form(request, request.POST)
    if form.is_valid() and request.POST.get("action") == "preview":
        # What was typed, as members would read it; nothing is saved.
        context = _manage_context(request, form, preview=form.cleaned_data["body"])
        return render(request, "training/policy_manage.html", context)
    if form.is_valid():
        try:
            services.policy_save_draft(
                membership=request.membership,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Members see it once you publish it."))
            return redirect("training_policy")
    context = _manage_context(request, form)
    return render(request, "training/policy_manage.html", context, status=400)


@require_POST
@role_required("trainer")
def training_policy_template(request: MemberRequest) -> HttpResponse:
    try:
        services.policy_start_from_template(membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The draft now holds Chorus's template. Adapt it and save."))
    return redirect("training_policy")


@require_POST
@role_required("trainer")
def training_policy_publish(request: MemberRequest) -> HttpResponse:
    note = request.POST.get("note", "")
    try:
        version = services.policy_publish(membership=request.membership, note=note)
    except ValidationError as error:
        context = _manage_context(request, _draft_form(request))
        context["publish_errors"] = error.messages
        context["note"] = note[: services.MAX_NOTE * 2]
        return render(request, "training/policy_manage.html", context, status=400)
    messages.success(
        request,
        _("Version %(number)s published. Members in the program are asked to acknowledge it.")
        % {"number": version.number},
    )
    return redirect("training_policy")


@require_POST
@role_required("admin")
def training_policy_sharing(request: MemberRequest) -> HttpResponse:
    """The admin's switch: members acknowledge the policy before sharing, or not."""
    required = request.POST.get("required") == "1"
    try:
        services.policy_require_before_sharing(membership=request.membership, required=required)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if required:
            messages.success(
                request, _("Members now acknowledge the current policy before they share.")
            )
        else:
            messages.success(request, _("Sharing no longer waits for the policy."))
    return redirect("training_policy")


@require_GET
@role_required("trainer")
def training_policy_acknowledgements(request: MemberRequest) -> HttpResponse:
    """Where members stand on the current version, with a filter and the exports."""
    show = request.GET.get("show", "")
    if show not in SHOW_CHOICES:
        show = ""
    record = selectors.acknowledgement_record(organization=request.organization)
    return render(
        request,
        "training/policy_acknowledgements.html",
        {
            "record": record,
            "show": show,
            "acknowledged_count": len(record.acknowledged),
            "not_yet_count": len(record.not_yet),
        },
    )


def acknowledgement_table(acknowledgements: Sequence[PolicyAcknowledgement] | Any) -> exports.Table:
    """Who acknowledged which version when, one row each."""
    headers = [
        pgettext("export column", "member"),
        pgettext("export column", "email"),
        pgettext("export column", "version"),
        pgettext("export column", "title"),
        pgettext("export column", "acknowledged at"),
    ]

    def rows() -> Iterator[Sequence[Any]]:
        for acknowledgement in acknowledgements:
            user = acknowledgement.membership.user
            yield (
                user.name,
                user.email,
                acknowledgement.version.number,
                acknowledgement.version.title,
                timezone.localtime(acknowledgement.acknowledged_at).isoformat(timespec="seconds"),
            )

    return exports.Table(headers, rows())


@require_GET
@role_required("trainer")
def training_policy_export(request: MemberRequest) -> HttpResponse:
    """Every acknowledgement of every version, as CSV or XLSX."""
    format = request.GET.get("format", "csv")
    if format not in exports.FORMATS:
        messages.error(request, _("The format must be csv or xlsx."))
        return redirect("training_policy_acknowledgements")
    found = selectors.acknowledgements(organization=request.organization).iterator(chunk_size=2000)
    return exports.response(
        acknowledgement_table(found), name="policy-acknowledgements", format=format
    )


# Members ------------------------------------------------------------------------------


@require_GET
@member_required
def policy(request: MemberRequest) -> HttpResponse:
    """The current version, the member's acknowledgement of it, and the earlier versions."""
    versions = list(selectors.versions(organization=request.organization))
    latest = versions[0] if versions else None
    mine = selectors.acknowledged_version_ids(membership=request.membership)
    return render(
        request,
        "training/policy.html",
        {
            "latest": latest,
            "body_html": render_markdown(latest.body) if latest is not None else "",
            "acknowledgement": mine.get(latest.pk) if latest is not None else None,
            "earlier": [(version, mine.get(version.pk)) for version in versions[1:]],
            "required": selectors.required_before_sharing(organization=request.organization),
        },
    )


@require_POST
@member_required
def policy_acknowledge(request: MemberRequest) -> HttpResponse:
    """ "I have read and acknowledge version N": the version read is sent with the form, so a
    version published in the meantime is not acknowledged unread."""
    raw = request.POST.get("version", "")
    version = (
        selectors.version_of_organization(organization=request.organization, version_id=int(raw))
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if version is None:
        messages.error(request, _("Choose the version you read."))
        return redirect("policy")
    try:
        services.policy_acknowledge(membership=request.membership, version=version)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("Thank you: you acknowledged version %(number)s.") % {"number": version.number},
        )
    return redirect("policy")


@require_GET
@member_required
def policy_version(request: MemberRequest, policy_version_id: int) -> HttpResponse:
    """One published version, as it was published."""
    version = selectors.version_of_organization(
        organization=request.organization, version_id=policy_version_id
    )
    if version is None:
        raise Http404
    latest = selectors.latest_version(organization=request.organization)
    return render(
        request,
        "training/policy_version.html",
        {
            "version": version,
            "body_html": render_markdown(version.body),
            "is_latest": latest is not None and latest.pk == version.pk,
            "acknowledgement": selectors.acknowledgement_of(
                membership=request.membership, version=version
            ),
        },
    )
