"""Badges: admins choose them, `badges_check` awards them (once each, with the date).

The per-minute award task calls `badges_check` for the members it gave points to or whose
shares it read; creating or re-activating a badge checks the organization's members who
could already meet it. A member is told in the app when they earn a badge. Nothing is
awarded while the organization has gamification turned off, and nothing earns
"certified" until training lands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization, User
from chorus.content.models import Suggestion, SuggestionStatus
from chorus.core.audit import audit_record
from chorus.gamification.models import SUGGESTED_BADGES, Badge, BadgeAward, Criterion
from chorus.gamification.selectors.badges import YES_NO, badges_active, member_figures
from chorus.gamification.services.items import active_set, grouped, name_and_description_clean
from chorus.gamification.services.points import gamification_enabled
from chorus.links.models import Link
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import Share, ShareStatus
from chorus.training.models import Certificate

MAX_NAME = 80
MAX_DESCRIPTION = 300
MAX_THRESHOLD = 1_000_000
CHECK_BATCH = 500

# Added in English: each reader sees them in their own language (Badge.shown_name).
SUGGESTED = SUGGESTED_BADGES


@dataclass(frozen=True)
class BadgeFields:
    """What an admin sets on a badge (checked by `badge_fields_clean`)."""

    name: str
    description: str
    criterion: str
    threshold: int
    active: bool = True


def badge_fields_clean(fields: BadgeFields) -> BadgeFields:
    """The fields trimmed (threshold 1 for yes/no criteria); ValidationError per field."""
    errors: dict[str, str] = {}
    name, description = name_and_description_clean(
        name=fields.name,
        description=fields.description,
        missing_name=_("A badge needs a name."),
        max_name=MAX_NAME,
        max_description=MAX_DESCRIPTION,
        errors=errors,
    )
    if fields.criterion not in Criterion.values:
        errors["criterion"] = _("Choose a criterion from the list.")
    threshold = 1 if fields.criterion in YES_NO else fields.threshold
    if not 1 <= threshold <= MAX_THRESHOLD:
        errors["threshold"] = _("The threshold is a whole number from 1 to %(max)s.") % {
            "max": grouped(MAX_THRESHOLD)
        }
    if errors:
        raise ValidationError(errors)
    return BadgeFields(
        name=name,
        description=description,
        criterion=fields.criterion,
        threshold=threshold,
        active=fields.active,
    )


def _audit_data(badge: Badge) -> dict[str, object]:
    return {
        "name": badge.name,
        "criterion": badge.criterion,
        "threshold": badge.threshold,
        "active": badge.active,
    }


def badge_create(*, organization: Organization, actor: User, fields: BadgeFields) -> Badge:
    cleaned = badge_fields_clean(fields)
    with transaction.atomic():
        badge = Badge.objects.create(
            organization=organization,
            name=cleaned.name,
            description=cleaned.description,
            criterion=cleaned.criterion,
            threshold=cleaned.threshold,
            active=cleaned.active,
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="badge.created",
            target=badge,
            data=_audit_data(badge),
        )
    badges_check_organization(organization_id=organization.pk)
    return badge


def badge_update(*, badge: Badge, actor: User, fields: BadgeFields) -> Badge:
    """Change a badge. Members who earned it keep it (awarded once, with its date)."""
    cleaned = badge_fields_clean(fields)
    with transaction.atomic():
        locked = Badge.objects.select_for_update().get(pk=badge.pk)
        before = _audit_data(locked)
        locked.name = cleaned.name
        locked.description = cleaned.description
        locked.criterion = cleaned.criterion
        locked.threshold = cleaned.threshold
        locked.active = cleaned.active
        locked.save(update_fields=["name", "description", "criterion", "threshold", "active"])
        audit_record(
            organization=locked.organization,
            actor=actor,
            action="badge.changed",
            target=locked,
            data={"before": before, "after": _audit_data(locked)},
        )
    badges_check_organization(organization_id=locked.organization_id)
    return locked


def badge_set_active(*, badge: Badge, actor: User, active: bool) -> Badge:
    """Deactivate (no longer offered or awarded; earned ones stay) or re-activate."""
    active_set(item=badge, actor=actor, active=active, kind="badge")
    if active:
        badges_check_organization(organization_id=badge.organization_id)
    return badge


def badges_add_suggested(*, organization: Organization, actor: User) -> list[Badge]:
    """The six suggested badges, when the organization has no badge at all."""
    with transaction.atomic():
        # Lock the organization's row so two clicks at once add them once.
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        if Badge.objects.filter(organization=organization).exists():
            raise ValidationError(_("The organization already has badges."))
        badges = [
            Badge.objects.create(
                organization=organization,
                name=name,
                description=description,
                criterion=criterion,
                threshold=threshold,
            )
            for name, description, criterion, threshold in SUGGESTED
        ]
        audit_record(
            organization=organization,
            actor=actor,
            action="badge.suggested_added",
            data={"badges": [badge.name for badge in badges]},
        )
    badges_check_organization(organization_id=organization.pk)
    return badges


def _award(badge: Badge, membership: Membership) -> bool:
    """Award once (a second award, even from a concurrent run, is a no-op) and tell them."""
    try:
        with transaction.atomic():
            BadgeAward.objects.create(
                organization_id=membership.organization_id, badge=badge, membership=membership
            )
            notification_create(
                membership=membership,
                kind="badge.earned",
                message=gettext_lazy("You earned the badge %(name)s"),
                params={"name": badge.shown_name},
                url=reverse("badges"),
            )
    except IntegrityError:
        return False
    return True


def _check_organization_members(organization_id: int, members: list[Membership]) -> int:
    badges = list(badges_active(organization=organization_id))
    if not badges or not members:
        return 0
    held = set(
        BadgeAward.objects.filter(membership__in=members, badge__in=badges).values_list(
            "badge_id", "membership_id"
        )
    )
    figures = member_figures(member.pk for member in members)
    awarded = 0
    for member in members:
        for badge in badges:
            met = figures[member.pk][badge.criterion] >= badge.threshold
            if met and (badge.pk, member.pk) not in held:
                awarded += _award(badge, member)
    return awarded


def badges_check(membership_ids: Iterable[int]) -> int:
    """Award every active badge each member meets and has not got yet. Returns how many
    were awarded. Inactive members and organizations with gamification off get none."""
    ids = sorted(set(membership_ids))
    awarded = 0
    for start in range(0, len(ids), CHECK_BATCH):
        by_organization: dict[int, list[Membership]] = defaultdict(list)
        for member in Membership.objects.filter(
            pk__in=ids[start : start + CHECK_BATCH], is_active=True
        ):
            by_organization[member.organization_id].append(member)
        for organization_id, members in by_organization.items():
            if gamification_enabled(organization_id=organization_id):
                awarded += _check_organization_members(organization_id, members)
    return awarded


def badges_check_organization(*, organization_id: int) -> int:
    """Check the members who could meet some badge already (they shared, have clicks, an
    accepted suggestion or a certificate): after a badge is added or changed."""
    if not gamification_enabled(organization_id=organization_id):
        return 0
    candidates = (
        set(
            Share.objects.filter(
                organization_id=organization_id, status=ShareStatus.SHARED
            ).values_list("membership_id", flat=True)
        )
        | set(
            Link.objects.filter(
                organization_id=organization_id, membership__isnull=False, unique_clicks__gt=0
            ).values_list("membership_id", flat=True)
        )
        | set(
            Suggestion.objects.filter(
                organization_id=organization_id, status=SuggestionStatus.ACCEPTED
            ).values_list("membership_id", flat=True)
        )
        | set(
            Certificate.objects.filter(organization_id=organization_id).values_list(
                "membership_id", flat=True
            )
        )
    )
    return badges_check(pk for pk in candidates if pk is not None)
