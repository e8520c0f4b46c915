"""The rewards catalogue: admins keep it, members request rewards, admins decide.

A request reserves at once: one item of stock (an UPDATE that only succeeds while stock is
above zero, so concurrent requests never take it below zero) and the price, deducted
through the points ledger (`points_spend`, which never takes a balance below zero). A
decline or a member's cancel gives both back: the item to the stock, the points by the
spend's reversal. Approving only tells the member. Every step is in the audit log.

Locks are always taken in the same order (request, reward, member) so that none of these
flows can deadlock with another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization, User
from chorus.core.audit import audit_record
from chorus.core.images import EncodedImage, ImageRefused, image_encode, image_open, image_store
from chorus.gamification.models import (
    PointEntry,
    Reward,
    RewardRequest,
    RewardStatus,
    Rule,
    Source,
)
from chorus.gamification.services.items import active_set, grouped, name_and_description_clean
from chorus.gamification.services.points import gamification_enabled, points_reverse, points_spend
from chorus.notifications.services.notifications import notification_create
from chorus.webhooks.services.events import member_data, webhook_emit

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MAX_NAME = 120
MAX_DESCRIPTION = 2000
MAX_REASON = 500
MAX_PRICE = 10_000_000
MAX_STOCK = 1_000_000


@dataclass(frozen=True)
class RewardFields:
    """What an admin sets on a reward (checked by `reward_fields_clean`)."""

    name: str
    description: str
    price: int
    stock: int
    active: bool = True


def reward_fields_clean(fields: RewardFields) -> RewardFields:
    """The fields with text trimmed; ValidationError (per field) when one is not valid."""
    errors: dict[str, str] = {}
    name, description = name_and_description_clean(
        name=fields.name,
        description=fields.description,
        missing_name=_("A reward needs a name."),
        max_name=MAX_NAME,
        max_description=MAX_DESCRIPTION,
        errors=errors,
    )
    if not 1 <= fields.price <= MAX_PRICE:
        errors["price"] = _("The price is a number of points from 1 to %(max)s.") % {
            "max": grouped(MAX_PRICE)
        }
    if not 0 <= fields.stock <= MAX_STOCK:
        errors["stock"] = _("The stock is a number of items from 0 to %(max)s.") % {
            "max": grouped(MAX_STOCK)
        }
    if errors:
        raise ValidationError(errors)
    return RewardFields(
        name=name,
        description=description,
        price=fields.price,
        stock=fields.stock,
        active=fields.active,
    )


def _check_enabled(organization_id: int) -> None:
    if not gamification_enabled(organization_id=organization_id):
        raise ValidationError(_("Points and rewards are turned off in this organization."))


def reward_create(*, organization: Organization, actor: User, fields: RewardFields) -> Reward:
    cleaned = reward_fields_clean(fields)
    with transaction.atomic():
        reward = Reward.objects.create(
            organization=organization,
            name=cleaned.name,
            description=cleaned.description,
            price=cleaned.price,
            stock=cleaned.stock,
            active=cleaned.active,
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="reward.created",
            target=reward,
            data={"price": reward.price, "stock": reward.stock, "active": reward.active},
        )
    return reward


def reward_update(*, reward: Reward, actor: User, fields: RewardFields) -> Reward:
    """Change a reward. Its stock is set as given: the items reserved by pending requests
    are already out of it (a decline puts them back on top)."""
    cleaned = reward_fields_clean(fields)
    with transaction.atomic():
        locked = Reward.objects.select_for_update().get(pk=reward.pk)
        before = {"price": locked.price, "stock": locked.stock, "active": locked.active}
        locked.name = cleaned.name
        locked.description = cleaned.description
        locked.price = cleaned.price
        locked.stock = cleaned.stock
        locked.active = cleaned.active
        locked.save(update_fields=["name", "description", "price", "stock", "active"])
        after = {"price": locked.price, "stock": locked.stock, "active": locked.active}
        audit_record(
            organization=locked.organization,
            actor=actor,
            action="reward.updated",
            target=locked,
            data={"before": before, "after": after},
        )
    return locked


def reward_set_active(*, reward: Reward, actor: User, active: bool) -> Reward:
    """Take a reward out of the catalogue (pending requests stay to be decided) or back."""
    active_set(item=reward, actor=actor, active=active, kind="reward")
    return reward


def reward_request(*, membership: Membership, reward: Reward) -> RewardRequest:
    """Request one item of `reward`: reserve it and deduct its price, or ValidationError
    (points off, the reward inactive or out of stock, the balance short) with no change."""
    if reward.organization_id != membership.organization_id:
        raise ValueError("The reward belongs to another organization.")
    _check_enabled(membership.organization_id)
    if not membership.is_active:
        raise ValidationError(_("Only active members can request rewards."))
    with transaction.atomic():
        # The reward's row lock, held to the commit, is where concurrent requests queue.
        taken = Reward.objects.filter(pk=reward.pk, active=True, stock__gt=0).update(
            stock=F("stock") - 1
        )
        if not taken:
            current = Reward.objects.filter(pk=reward.pk).values_list("active", flat=True).first()
            if not current:
                raise ValidationError(_("This reward is no longer in the catalogue."))
            raise ValidationError(_("This reward is out of stock."))
        price = Reward.objects.values_list("price", flat=True).get(pk=reward.pk)
        request = RewardRequest.objects.create(
            organization_id=membership.organization_id,
            reward_id=reward.pk,
            membership=membership,
            points=price,
        )
        # Raises (and so rolls the item back) when the balance is short.
        points_spend(
            membership=membership,
            points=price,
            source_id=request.pk,
            note=f"Reward: {reward.name}",
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="reward.requested",
            target=request,
            target_label=reward.name,
            data={"reward": reward.pk, "points": price},
        )
        webhook_emit(
            organization=membership.organization_id,
            event_type="reward.requested",
            data={
                "request": {"id": request.pk, "requested_at": request.created_at.isoformat()},
                "reward": {"id": reward.pk, "name": reward.name, "price": price},
                "member": member_data(membership),
            },
        )
    return request


# A request decided or cancelled already, by its status.
ALREADY_DECIDED: dict[str, StrPromise] = {
    RewardStatus.APPROVED: gettext_lazy("This request was already approved."),
    RewardStatus.DECLINED: gettext_lazy("This request was already declined."),
    RewardStatus.CANCELLED: gettext_lazy("This request was already cancelled."),
}
# What the member is told: (approved, with a reason) -> the message.
DECIDED_MESSAGES = {
    (True, False): gettext_lazy("Your reward “%(name)s” was approved."),
    (True, True): gettext_lazy("Your reward “%(name)s” was approved. %(reason)s"),
    (False, False): gettext_lazy(
        "Your reward “%(name)s” was declined; %(points)s points are back."
    ),
    (False, True): gettext_lazy(
        "Your reward “%(name)s” was declined; %(points)s points are back. %(reason)s"
    ),
}


def _spend_entry(request: RewardRequest) -> PointEntry:
    return PointEntry.objects.get(
        organization_id=request.organization_id,
        rule=Rule.REWARD,
        source=Source.REWARD_REQUEST,
        source_id=request.pk,
        reverses__isnull=True,
    )


def _close(
    request: RewardRequest, *, status: str, actor: User, reason: str, refund_note: str
) -> RewardRequest:
    """Lock the pending request and close it with `status`; a refusal or cancel gives the
    item and the points back. ValidationError when it was decided already."""
    locked = RewardRequest.objects.select_for_update().select_related("reward").get(pk=request.pk)
    if locked.status != RewardStatus.REQUESTED:
        raise ValidationError(ALREADY_DECIDED[locked.status], code="decided")
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    if status != RewardStatus.APPROVED:
        Reward.objects.filter(pk=locked.reward_id).update(stock=F("stock") + 1)
        points_reverse(entry=_spend_entry(locked), note=refund_note)
    return locked


def reason_clean(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError(_("A reason has at most %(max)s characters.") % {"max": MAX_REASON})
    return reason


def reward_decide(
    *, request: RewardRequest, actor: User, approve: bool, reason: str = ""
) -> RewardRequest:
    """An admin approves (the member is told) or declines (item and points given back,
    the member is told why) a pending request."""
    reason = reason_clean(reason)
    status = RewardStatus.APPROVED if approve else RewardStatus.DECLINED
    with transaction.atomic():
        decided = _close(
            request, status=status, actor=actor, reason=reason, refund_note="Reward declined"
        )
        name = decided.reward.name
        notification_create(
            membership=decided.membership,
            kind="reward_approved" if approve else "reward_declined",
            message=DECIDED_MESSAGES[(approve, bool(reason))],
            params={"name": name, "points": decided.points, "reason": reason},
            url=reverse("rewards"),
        )
        audit_record(
            organization=decided.membership.organization,
            actor=actor,
            action="reward.approved" if approve else "reward.declined",
            target=decided,
            target_label=name,
            data={"reason": reason, "points": decided.points},
        )
    return decided


def reward_cancel(*, request: RewardRequest, membership: Membership) -> RewardRequest:
    """The member takes back their own pending request: item and points given back."""
    if request.membership_id != membership.pk:
        raise ValueError("Members cancel only their own requests.")
    with transaction.atomic():
        cancelled = _close(
            request,
            status=RewardStatus.CANCELLED,
            actor=membership.user,
            reason="",
            refund_note="Reward request cancelled",
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="reward.cancelled",
            target=cancelled,
            target_label=cancelled.reward.name,
            data={"points": cancelled.points},
        )
    return cancelled


# Pictures -----------------------------------------------------------------------------

# The catalogue shows a picture at most about 24rem wide: twice that for sharp screens.
PICTURE_MAX_SIDE = 800


def reward_picture_encode(*, data: bytes, name: str) -> EncodedImage:
    """The picture checked and re-encoded (WebP, at most 800 px a side, no metadata);
    ValidationError on the `picture` field when it is not a picture we take."""
    try:
        image = image_open(data, name=name or "The picture")
        return image_encode(image, max_width=PICTURE_MAX_SIDE, max_height=PICTURE_MAX_SIDE)
    except ImageRefused as error:
        raise ValidationError({"picture": str(error)}) from error


def reward_picture_set(*, reward: Reward, actor: User, picture: EncodedImage | None) -> Reward:
    """Give the reward this picture (from reward_picture_encode), or none; the old file goes
    once committed."""
    old = reward.picture.name or ""
    if picture is None and not old:
        return reward
    with transaction.atomic():
        if picture is None:
            reward.picture = ""  # type: ignore[assignment]
            reward.picture_width = reward.picture_height = 0
        else:
            stored = image_store(picture, folder=f"rewards/{reward.organization_id}")
            reward.picture = stored  # type: ignore[assignment]
            reward.picture_width, reward.picture_height = picture.width, picture.height
        reward.save(update_fields=["picture", "picture_width", "picture_height"])
        if old:
            transaction.on_commit(lambda: default_storage.delete(old))
        audit_record(
            organization=reward.organization,
            actor=actor,
            action="reward.picture_changed" if picture else "reward.picture_removed",
            target=reward,
            data={"width": reward.picture_width, "height": reward.picture_height},
        )
    return reward
