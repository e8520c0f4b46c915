"""The rewards pages: the members' catalogue (/rewards/) and the admins' (/manage/rewards/).

Every page is a 404 while the organization has points turned off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, admin_required, member_required
from chorus.core.images import EncodedImage, content_type_of
from chorus.gamification.access import require_on
from chorus.gamification.models import Reward, RewardRequest, RewardStatus
from chorus.gamification.selectors import rewards as selectors
from chorus.gamification.services import rewards as services
from chorus.gamification.services.points import points_balance
from chorus.gamification.views.manage import active_set_from_post, form_save

RECENT_DECISIONS = 20


class RewardForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    price = forms.IntegerField(
        label=gettext_lazy("Price in points"), min_value=1, max_value=services.MAX_PRICE
    )
    stock = forms.IntegerField(
        label=gettext_lazy("Stock"),
        min_value=0,
        max_value=services.MAX_STOCK,
        help_text=gettext_lazy("Items left to request."),
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("In the catalogue (members can request it)"),
    )
    picture = forms.FileField(
        required=False,
        label=gettext_lazy("Picture"),
        help_text=gettext_lazy("PNG, JPEG, GIF or WebP, up to 5 MB; shown in the catalogue."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_picture = forms.BooleanField(required=False, label=gettext_lazy("Remove the picture"))

    def fields_value(self) -> services.RewardFields:
        data = self.cleaned_data
        return services.RewardFields(
            name=data["name"],
            description=data["description"],
            price=data["price"],
            stock=data["stock"],
            active=data["active"],
        )


def _picture(form: RewardForm) -> EncodedImage | None:
    """The form's picture, checked and re-encoded (ValidationError on the field when not)."""
    upload = form.cleaned_data.get("picture")
    if not upload:
        return None
    if (upload.size or 0) > settings.POST_IMAGE_MAX_BYTES:
        limit = settings.POST_IMAGE_MAX_BYTES / (1024 * 1024)
        raise ValidationError(
            {"picture": _("The picture is too large: at most %(limit).0f MB.") % {"limit": limit}}
        )
    return services.reward_picture_encode(data=upload.read(), name=upload.name or "")


def _save_with_picture(
    request: MemberRequest, form: RewardForm, save: Callable[[], Reward]
) -> Reward:
    """Check the picture first (so a refused picture saves nothing), save, then set it."""
    picture = _picture(form)
    reward = save()
    if picture is not None or form.cleaned_data.get("remove_picture"):
        services.reward_picture_set(reward=reward, actor=request.user, picture=picture)  # type: ignore[arg-type]
    return reward


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("decline", gettext_lazy("Decline"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=services.MAX_REASON,
        help_text=gettext_lazy("Optional; the member reads it in their notification."),
    )


@require_GET
@member_required
def rewards(request: MemberRequest) -> HttpResponse:
    require_on(request)
    organization = request.organization
    balance = points_balance(membership=request.membership)
    catalogue = list(selectors.rewards_catalogue(organization=organization))
    for reward in catalogue:
        reward.missing = max(reward.price - balance, 0)  # type: ignore[attr-defined]
    context = {
        "balance": balance,
        "rewards": catalogue,
        "my_requests": selectors.reward_requests(
            organization=organization, membership=request.membership
        )[:50],
        "pending": RewardStatus.REQUESTED,
    }
    return render(request, "gamification/rewards.html", context)


@require_POST
@member_required
def reward_request(request: MemberRequest, reward_id: int) -> HttpResponse:
    require_on(request)
    reward = get_object_or_404(Reward, pk=reward_id, organization=request.organization)
    try:
        made = services.reward_request(membership=request.membership, reward=reward)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "You requested “%(name)s” for %(points)s points. "
                "An admin will approve it soon; you will be told."
            )
            % {"name": reward.name, "points": made.points},
        )
    return redirect("rewards")


@require_POST
@member_required
def reward_cancel(request: MemberRequest, reward_request_id: int) -> HttpResponse:
    require_on(request)
    mine = get_object_or_404(
        RewardRequest,
        pk=reward_request_id,
        organization=request.organization,
        membership=request.membership,
    )
    try:
        cancelled = services.reward_cancel(request=mine, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Request cancelled: your %(points)s points are back.") % {"points": cancelled.points},
        )
    return redirect("rewards")


@require_http_methods(["GET", "POST"])
@admin_required
def manage_rewards(request: MemberRequest) -> HttpResponse:
    """The queue of pending requests, the catalogue, and a form to add a reward (POST)."""
    require_on(request)
    organization = request.organization
    form = RewardForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    form.fields.pop("remove_picture")
    if form.is_bound and form.is_valid():
        created = form_save(
            form,
            lambda: _save_with_picture(
                request,
                form,
                lambda: services.reward_create(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    fields=form.fields_value(),
                ),
            ),
        )
        if created is not None:
            messages.success(request, _("“%(name)s” is in the catalogue.") % {"name": created.name})
            return redirect("manage_rewards")
    context: dict[str, Any] = {
        "form": form,
        "queue": selectors.reward_queue(organization=organization),
        "rewards": selectors.rewards_all(organization=organization),
        "decided": selectors.reward_requests(organization=organization)
        .exclude(status=RewardStatus.REQUESTED)
        .order_by("-decided_at", "-pk")[:RECENT_DECISIONS],
        "decide_form": DecideForm(),
    }
    return render(
        request, "gamification/rewards_manage.html", context, status=422 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
@admin_required
def manage_reward_edit(request: MemberRequest, reward_id: int) -> HttpResponse:
    require_on(request)
    reward = get_object_or_404(Reward, pk=reward_id, organization=request.organization)
    if request.method == "POST":
        form = RewardForm(request.POST, request.FILES)
        if (
            form.is_valid()
            and form_save(
                form,
                lambda: _save_with_picture(
                    request,
                    form,
                    lambda: services.reward_update(
                        reward=reward,
                        actor=request.user,  # type: ignore[arg-type]
                        fields=form.fields_value(),
                    ),
                ),
            )
            is not None
        ):
            messages.success(
                request, _("“%(name)s” saved.") % {"name": form.cleaned_data["name"].strip()}
            )
            return redirect("manage_rewards")
    else:
        form = RewardForm(
            initial={
                "name": reward.name,
                "description": reward.description,
                "price": reward.price,
                "stock": reward.stock,
                "active": reward.active,
            }
        )
    status = 422 if form.is_bound else 200
    context = {"form": form, "reward": reward}
    return render(request, "gamification/rewards_edit.html", context, status=status)


@require_GET
@member_required
def reward_picture(request: MemberRequest, reward_id: int) -> HttpResponse:
    """A reward's picture, to the members of its organization only."""
    require_on(request)
    reward = get_object_or_404(Reward, pk=reward_id, organization=request.organization)
    if not reward.picture:
        raise Http404("This reward has no picture.")
    try:
        handle = reward.picture.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This picture file is missing.") from error
    response = FileResponse(handle, content_type=content_type_of(reward.picture.name or ""))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]


@require_POST
@admin_required
def manage_reward_active(request: MemberRequest, reward_id: int) -> HttpResponse:
    """Take a reward out of the catalogue (active=0) or put it back (active=1)."""
    require_on(request)
    reward = get_object_or_404(Reward, pk=reward_id, organization=request.organization)
    return active_set_from_post(
        request,
        set_active=lambda active: services.reward_set_active(
            reward=reward,
            actor=request.user,  # type: ignore[arg-type]
            active=active,
        ),
        unclear=_("Choose whether the reward is in the catalogue or not."),
        done=(
            _("“%(name)s” is out of the catalogue.") % {"name": reward.name},
            _("“%(name)s” is back in the catalogue.") % {"name": reward.name},
        ),
        back="manage_rewards",
    )


@require_POST
@admin_required
def manage_reward_decide(request: MemberRequest, reward_request_id: int) -> HttpResponse:
    require_on(request)
    pending = get_object_or_404(
        RewardRequest.objects.select_related("reward", "membership__user"),
        pk=reward_request_id,
        organization=request.organization,
    )
    form = DecideForm(request.POST)
    if not form.is_valid():
        problems = [
            _("%(field)s: %(problems)s")
            % {
                "field": form.fields[name].label or name.title(),
                "problems": " ".join(map(str, errors)),
            }
            for name, errors in form.errors.items()
            if name in form.fields
        ]
        messages.error(request, " ".join([_("Nothing decided."), *problems]))
        return redirect("manage_rewards")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.reward_decide(
            request=pending,
            actor=request.user,  # type: ignore[arg-type]
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        names = {"name": pending.reward.name, "member": str(pending.membership.user)}
        if approve:
            done = _("“%(name)s” for %(member)s approved.") % names
        else:
            done = _("“%(name)s” for %(member)s declined (item and points given back).") % names
        messages.success(request, done)
    return redirect("manage_rewards")
