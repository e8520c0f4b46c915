"""Care pages: approved replies (templates), kept by approvers and admins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.care.models import CareTag, ReplyTemplate
from chorus.care.selectors import templates as selectors
from chorus.care.services import templates as services
from chorus.core.validators import WebURLFormField

NETWORK_FIELDS = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Variables: {customer} (the customer's handle), {first_name} (the first name of "
            "the colleague who answers), {link}."
        ),
    )
    body_x = forms.CharField(
        label=gettext_lazy("Shorter text for X"),
        required=False,
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Optional: used on X instead of the text above."),
    )
    body_bluesky = forms.CharField(
        label=gettext_lazy("Shorter text for Bluesky"),
        required=False,
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body_mastodon = forms.CharField(
        label=gettext_lazy("Shorter text for Mastodon"),
        required=False,
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    link = WebURLFormField(label=gettext_lazy("Link"), required=False)
    language = forms.CharField(
        label=gettext_lazy("Language"),
        required=False,
        max_length=services.MAX_LANGUAGE,
        help_text=gettext_lazy("A code such as en or de; empty for any language."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tags"),
        queryset=CareTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Conversations with these tags are offered this reply first."),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active: offered to colleagues who answer"), required=False, initial=True
    )

    def __init__(self, *args: Any, request: MemberRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tags: Any = self.fields["tags"]
        tags.queryset = CareTag.objects.filter(organization=request.organization)


def _initial(template: ReplyTemplate) -> dict[str, Any]:
    bodies = template.network_bodies or {}
    return {
        "name": template.name,
        "body": template.body,
        "body_x": bodies.get("x", ""),
        "body_bluesky": bodies.get("bluesky", ""),
        "body_mastodon": bodies.get("mastodon", ""),
        "link": template.link,
        "language": template.language,
        "tags": list(template.tags.all()),
        "is_active": template.is_active,
    }


def _save(
    request: MemberRequest, form: TemplateForm, template: ReplyTemplate | None
) -> ReplyTemplate | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    bodies = {network: data[f"body_{network}"] for network in NETWORK_FIELDS}
    # Other networks' texts (set through the API) are kept as they are.
    if template is not None:
        bodies = {
            **{
                key: value
                for key, value in (template.network_bodies or {}).items()
                if key not in NETWORK_FIELDS
            },
            **bodies,
        }
    fields = services.TemplateFields(
        name=data["name"],
        body=data["body"],
        network_bodies=bodies,
        link=data["link"] or "",
        language=data["language"],
        tags=list(data["tags"]),
        is_active=data["is_active"],
    )
    try:
        if template is None:
            return services.template_create(membership=request.membership, fields=fields)
        return services.template_update(
            membership=request.membership, template=template, fields=fields
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                target = "body" if name == "network_bodies" else name
                form.add_error(target if target in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return None


def _template(request: MemberRequest, template_id: int) -> ReplyTemplate:
    template = selectors.template_of_organization(
        organization=request.organization, template_id=template_id
    )
    if template is None:
        raise Http404
    return template


@require_GET
@role_required("approver")
def care_templates(request: MemberRequest) -> HttpResponse:
    templates = selectors.templates_of_organization(organization=request.organization)
    return render(request, "care/templates.html", {"templates": templates})


@role_required("approver")
def care_template_new(request: MemberRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None, request=request)
    if request.method == "POST":
        template = _save(request, form, None)
        if template is not None:
            messages.success(request, _("Approved reply saved."))
            return redirect("care_templates")
    return render(
        request,
        "care/templates_form.html",
        {"form": form, "template": None},
        status=400 if form.is_bound else 200,
    )


@role_required("approver")
def care_template_edit(request: MemberRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    form = TemplateForm(request.POST or None, request=request, initial=_initial(template))
    if request.method == "POST":
        saved = _save(request, form, template)
        if saved is not None:
            messages.success(request, _("Approved reply saved."))
            return redirect("care_templates")
        template.refresh_from_db()
    return render(
        request,
        "care/templates_form.html",
        {"form": form, "template": template},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required("approver")
def care_template_delete(request: MemberRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    services.template_delete(membership=request.membership, template=template)
    messages.success(request, _("Approved reply deleted; replies sent with it keep their text."))
    return redirect("care_templates")
