"""What needs certification: admins require a certification (or the acknowledged social
media policy) to join, share, share to a network or sensitive posts, auto-share, or
answer customers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.content.models import Network, Topic
from chorus.training.models import Certification, Gate, GateAction
from chorus.training.selectors.gates import gate_sentence
from chorus.training.services import gates as services


class GateForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What needs it"), choices=GateAction.choices, initial=GateAction.SHARE
    )
    certification = forms.ModelChoiceField(
        label=gettext_lazy("Certification"),
        queryset=Certification.objects.none(),
        required=False,
        empty_label=gettext_lazy("No certification"),
    )
    requires_policy = forms.BooleanField(
        label=gettext_lazy("The current social media policy must be acknowledged"),
        required=False,
    )
    network = forms.ChoiceField(
        label=gettext_lazy("Network"),
        required=False,
        help_text=gettext_lazy("Only for “Share to a network”."),
    )
    campaign = forms.CharField(
        label=gettext_lazy("Campaign"),
        required=False,
        max_length=services.MAX_CAMPAIGN,
        help_text=gettext_lazy(
            "Only for “Share sensitive posts”: posts of this campaign. Leave campaign and "
            "topic empty for posts marked “Only certified members may share this post”."
        ),
    )
    topic = forms.ModelChoiceField(
        label=gettext_lazy("Topic"),
        queryset=Topic.objects.none(),
        required=False,
        empty_label=gettext_lazy("No topic"),
        help_text=gettext_lazy("Only for “Share sensitive posts”: posts about this topic."),
    )

    def __init__(self, *args: Any, request: MemberRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        certification_field: Any = self.fields["certification"]
        certification_field.queryset = Certification.objects.filter(
            organization=request.organization, is_active=True
        )
        topic_field: Any = self.fields["topic"]
        topic_field.queryset = Topic.objects.filter(organization=request.organization)
        network_field: Any = self.fields["network"]
        network_field.choices = [("", _("No network")), *Network.choices]


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@role_required("admin")
def training_gates(request: MemberRequest) -> HttpResponse:
    """The list in plain words ("Sharing to X needs: Social media certification"), and
    the form to add one."""
    form = GateForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gate = services.gate_add(
                membership=request.membership,
                action=data["action"],
                certification=data["certification"],
                requires_policy=data["requires_policy"],
                network=data["network"],
                campaign=data["campaign"],
                topic=data["topic"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Added: %(gate)s.") % {"gate": gate_sentence(gate)})
            return redirect("training_gates")
    gates = Gate.objects.filter(organization=request.organization).select_related(
        "certification", "topic"
    )
    rows = [(gate, gate_sentence(gate)) for gate in gates]
    has_certifications = Certification.objects.filter(organization=request.organization).exists()
    return render(
        request,
        "training/gates_manage.html",
        {"form": form, "rows": rows, "has_certifications": has_certifications},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required("admin")
def training_gate_remove(request: MemberRequest, gate_id: int) -> HttpResponse:
    gate = (
        Gate.objects.filter(organization=request.organization, pk=gate_id)
        .select_related("certification", "topic")
        .first()
    )
    if gate is None:
        raise Http404
    sentence = gate_sentence(gate)
    services.gate_remove(membership=request.membership, gate=gate)
    messages.success(request, _("Removed: %(gate)s.") % {"gate": sentence})
    return redirect("training_gates")
