"""Challenges: the members' page (/challenges/) and the curators' (/manage/challenges/).

Every page is a 404 while the organization has points turned off.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.accounts.models import Group
from chorus.analytics.rollups import today
from chorus.gamification.access import require_on
from chorus.gamification.models import Challenge, ChallengeMetric
from chorus.gamification.selectors import challenges as selectors
from chorus.gamification.services import challenges as services

curator_required = role_required("curator")
PAST_SHOWN = 10


class ChallengeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.MAX_TITLE)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    metric = forms.ChoiceField(label=gettext_lazy("What counts"), choices=ChallengeMetric.choices)
    campaign = forms.CharField(
        label=gettext_lazy("Campaign"),
        required=False,
        max_length=services.MAX_CAMPAIGN,
        help_text=gettext_lazy(
            "Only posts of this campaign count (shares and new visitors). Empty: every post."
        ),
    )
    target = forms.IntegerField(
        label=gettext_lazy("Group goal"), min_value=1, max_value=services.MAX_TARGET
    )
    member_target = forms.IntegerField(
        label=gettext_lazy("Personal goal"),
        required=False,
        min_value=1,
        max_value=services.MAX_TARGET,
        help_text=gettext_lazy("Optional: what each member aims for."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.none(),
        required=False,
        help_text=gettext_lazy("Nobody chosen: everyone in the program."),
        error_messages={"invalid_choice": gettext_lazy("Choose groups from the list.")},
    )
    prize = forms.CharField(
        label=gettext_lazy("Prize"), required=False, max_length=services.MAX_PRIZE
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        assert isinstance(groups, forms.ModelMultipleChoiceField)
        groups.queryset = Group.objects.filter(organization=organization).order_by("name", "pk")

    def fields_value(self) -> services.ChallengeFields:
        data = self.cleaned_data
        return services.ChallengeFields(
            title=data["title"],
            description=data["description"],
            metric=data["metric"],
            campaign=data["campaign"],
            target=data["target"],
            member_target=data["member_target"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            prize=data["prize"],
            group_ids=[group.pk for group in data["groups"]],
        )


def _initial(challenge: Challenge) -> dict[str, Any]:
    return {
        "title": challenge.title,
        "description": challenge.description,
        "metric": challenge.metric,
        "campaign": challenge.campaign,
        "target": challenge.target,
        "member_target": challenge.member_target,
        "starts_on": challenge.starts_on,
        "ends_on": challenge.ends_on,
        "groups": list(challenge.groups.all()),
        "prize": challenge.prize,
    }


def _save(
    request: MemberRequest, form: ChallengeForm, challenge: Challenge | None
) -> Challenge | None:
    try:
        if challenge is None:
            return services.challenge_create(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                fields=form.fields_value(),
            )
        return services.challenge_update(
            challenge=challenge,
            actor=request.user,  # type: ignore[arg-type]
            fields=form.fields_value(),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            form.add_error(None, error)
        return None


@require_GET
@member_required
def challenges(request: MemberRequest) -> HttpResponse:
    require_on(request)
    membership = request.membership
    current: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    for challenge in selectors.challenges_for(membership=membership).order_by("ends_on", "pk"):
        state = selectors.state_of(challenge)
        if state == "ended":
            continue
        current.append(
            {
                "challenge": challenge,
                "state": state,
                "days_left": selectors.days_left(challenge),
                "progress": selectors.progress(challenge, viewer=membership),
            }
        )
    ended = selectors.challenges_for(membership=membership).filter(ends_on__lt=today())
    for challenge in ended.order_by("-ends_on", "-pk")[:PAST_SHOWN]:
        past.append(
            {"challenge": challenge, "progress": selectors.progress(challenge, viewer=membership)}
        )
    context = {"current": current, "past": past}
    return render(request, "gamification/challenges.html", context)


@require_http_methods(["GET", "POST"])
@curator_required
def manage_challenges(request: MemberRequest) -> HttpResponse:
    """Every challenge of the organization, and a form to add one (POST)."""
    require_on(request)
    organization = request.organization
    form = ChallengeForm(
        request.POST if request.method == "POST" else None, organization=organization
    )
    if form.is_bound and form.is_valid():
        created = _save(request, form, None)
        if created is not None:
            messages.success(
                request, _("Challenge “%(title)s” created.") % {"title": created.title}
            )
            return redirect("manage_challenge", challenge_id=created.pk)
    rows = [
        {
            "challenge": challenge,
            "state": selectors.state_of(challenge),
            "progress": selectors.progress(challenge),
        }
        for challenge in selectors.challenges_of(organization=organization).order_by(
            "-ends_on", "-pk"
        )[:100]
    ]
    context = {"form": form, "rows": rows}
    status = 422 if form.is_bound else 200
    return render(request, "gamification/challenges_manage.html", context, status=status)


def _challenge(request: MemberRequest, challenge_id: int) -> Challenge:
    return get_object_or_404(
        Challenge.objects.prefetch_related("groups"),
        pk=challenge_id,
        organization=request.organization,
    )


@require_http_methods(["GET", "POST"])
@curator_required
def manage_challenge(request: MemberRequest, challenge_id: int) -> HttpResponse:
    """One challenge: the members' progress (top 10 and everyone); edit before it starts."""
    require_on(request)
    challenge = _challenge(request, challenge_id)
    state = selectors.state_of(challenge)
    if request.method == "POST":
        if state != "upcoming":
            messages.error(request, _("This challenge has started: it can no longer be changed."))
            return redirect("manage_challenge", challenge_id=challenge.pk)
        form = ChallengeForm(request.POST, organization=request.organization)
        if form.is_valid() and _save(request, form, challenge) is not None:
            messages.success(
                request,
                _("Challenge “%(title)s” saved.") % {"title": form.cleaned_data["title"].strip()},
            )
            return redirect("manage_challenge", challenge_id=challenge.pk)
    else:
        form = ChallengeForm(initial=_initial(challenge), organization=request.organization)
    lines, participants = selectors.member_table(challenge)
    context = {
        "challenge": challenge,
        "state": state,
        "days_left": selectors.days_left(challenge),
        "progress": selectors.progress(challenge),
        "top": [line for line in lines[: selectors.TOP] if line.value > 0],
        "lines": lines,
        "participants": participants,
        "form": form if state == "upcoming" else None,
        "groups": list(challenge.groups.all()),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "gamification/challenges_detail.html", context, status=status)


@require_POST
@curator_required
def manage_challenge_delete(request: MemberRequest, challenge_id: int) -> HttpResponse:
    require_on(request)
    challenge = _challenge(request, challenge_id)
    try:
        services.challenge_delete(
            challenge=challenge,
            actor=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("manage_challenge", challenge_id=challenge.pk)
    messages.success(request, _("Challenge “%(title)s” deleted.") % {"title": challenge.title})
    return redirect("manage_challenges")
