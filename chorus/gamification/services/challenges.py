"""Challenges: curators set them up (changes and deletion only before they start), and
when one ends the participants are told the final figures once. Every change is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, Organization, User
from chorus.accounts.selectors.groups import group_list_by_ids
from chorus.analytics.rollups import today
from chorus.core.audit import audit_record
from chorus.gamification.models import Challenge, ChallengeMetric
from chorus.gamification.selectors import challenges as selectors
from chorus.gamification.services.items import grouped
from chorus.gamification.services.points import gamification_enabled
from chorus.notifications.services.notifications import notification_create

logger = logging.getLogger(__name__)

MAX_TITLE = 120
MAX_DESCRIPTION = 2000
MAX_CAMPAIGN = 100
MAX_PRIZE = 300
MAX_TARGET = 10_000_000
MAX_DAYS = 366


@dataclass(frozen=True)
class ChallengeFields:
    """What a curator sets on a challenge (checked by `challenge_fields_clean`)."""

    title: str
    metric: str
    target: int
    starts_on: date
    ends_on: date
    description: str = ""
    campaign: str = ""
    member_target: int | None = None
    prize: str = ""
    group_ids: list[int] = field(default_factory=list)


def challenge_fields_clean(
    fields: ChallengeFields, *, organization: Organization
) -> tuple[ChallengeFields, list[Group]]:
    """The fields trimmed and the groups found; ValidationError (per field) otherwise."""
    errors: dict[str, str] = {}
    title = fields.title.strip()
    description = fields.description.strip()
    campaign = fields.campaign.strip()
    prize = fields.prize.strip()
    if not title:
        errors["title"] = _("A challenge needs a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("A title has at most %(max)s characters.") % {"max": MAX_TITLE}
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("A description has at most %(max)s characters.") % {
            "max": MAX_DESCRIPTION
        }
    if fields.metric not in ChallengeMetric.values:
        errors["metric"] = _("Choose what counts: shares, new visitors or points.")
    if len(campaign) > MAX_CAMPAIGN:
        errors["campaign"] = _("A campaign name has at most %(max)s characters.") % {
            "max": MAX_CAMPAIGN
        }
    elif campaign and fields.metric == ChallengeMetric.POINTS:
        errors["campaign"] = _("A campaign only narrows shares and new visitors, not points.")
    if len(prize) > MAX_PRIZE:
        errors["prize"] = _("A prize has at most %(max)s characters.") % {"max": MAX_PRIZE}
    if not 1 <= fields.target <= MAX_TARGET:
        errors["target"] = _("The group goal is a number from 1 to %(max)s.") % {
            "max": grouped(MAX_TARGET)
        }
    if fields.member_target is not None and not 1 <= fields.member_target <= MAX_TARGET:
        errors["member_target"] = _("The personal goal is a number from 1 to %(max)s.") % {
            "max": grouped(MAX_TARGET)
        }
    if fields.ends_on < fields.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    elif (fields.ends_on - fields.starts_on) >= timedelta(days=MAX_DAYS):
        errors["ends_on"] = _("A challenge lasts at most %(max)s days.") % {"max": MAX_DAYS}
    if fields.starts_on < today():
        errors["starts_on"] = _("A challenge cannot start in the past.")
    wanted = set(fields.group_ids)
    try:
        groups = group_list_by_ids(organization=organization, group_ids=wanted)
    except ValidationError:
        errors["groups"] = _("Choose groups from the list.")
    if errors:
        raise ValidationError(errors)
    cleaned = ChallengeFields(
        title=title,
        metric=fields.metric,
        target=fields.target,
        starts_on=fields.starts_on,
        ends_on=fields.ends_on,
        description=description,
        campaign=campaign,
        member_target=fields.member_target,
        prize=prize,
        group_ids=sorted(wanted),
    )
    return cleaned, groups


def _summary(challenge: Challenge, group_ids: list[int]) -> dict[str, object]:
    return {
        "title": challenge.title,
        "metric": challenge.metric,
        "campaign": challenge.campaign,
        "target": challenge.target,
        "member_target": challenge.member_target,
        "starts_on": challenge.starts_on.isoformat(),
        "ends_on": challenge.ends_on.isoformat(),
        "groups": group_ids,
        "prize": challenge.prize,
    }


def _apply(challenge: Challenge, cleaned: ChallengeFields) -> None:
    challenge.title = cleaned.title
    challenge.description = cleaned.description
    challenge.metric = cleaned.metric
    challenge.campaign = cleaned.campaign
    challenge.target = cleaned.target
    challenge.member_target = cleaned.member_target
    challenge.starts_on = cleaned.starts_on
    challenge.ends_on = cleaned.ends_on
    challenge.prize = cleaned.prize


def challenge_create(
    *, organization: Organization, actor: User, fields: ChallengeFields
) -> Challenge:
    cleaned, groups = challenge_fields_clean(fields, organization=organization)
    with transaction.atomic():
        challenge = Challenge(organization=organization, created_by=actor)
        _apply(challenge, cleaned)
        challenge.save()
        challenge.groups.set(groups)
        audit_record(
            organization=organization,
            actor=actor,
            action="challenge.created",
            target=challenge,
            data=_summary(challenge, cleaned.group_ids),
        )
    return challenge


def _check_not_started(challenge: Challenge) -> None:
    if challenge.starts_on <= today():
        raise ValidationError(
            _("This challenge has started: it can no longer be changed or deleted.")
        )


def challenge_update(*, challenge: Challenge, actor: User, fields: ChallengeFields) -> Challenge:
    """Change a challenge that has not started yet."""
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        _check_not_started(locked)
        cleaned, groups = challenge_fields_clean(fields, organization=locked.organization)
        before = _summary(locked, sorted(locked.groups.values_list("pk", flat=True)))
        _apply(locked, cleaned)
        locked.save()
        locked.groups.set(groups)
        audit_record(
            organization=locked.organization,
            actor=actor,
            action="challenge.changed",
            target=locked,
            data={"before": before, "after": _summary(locked, cleaned.group_ids)},
        )
    return locked


def challenge_delete(*, challenge: Challenge, actor: User) -> None:
    """Delete a challenge that has not started yet."""
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        _check_not_started(locked)
        audit_record(
            organization=locked.organization,
            actor=actor,
            action="challenge.deleted",
            target_label=locked.title,
            data=_summary(locked, sorted(locked.groups.values_list("pk", flat=True))),
        )
        locked.delete()


RESULTS_MESSAGE = gettext_lazy(
    "The challenge “%(title)s” ended: the group reached %(total)s of %(target)s; you did %(mine)s."
)


class _Grouped:
    """A number shown with the thousands separator of the language it is written in."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __str__(self) -> str:
        return grouped(self.number)


def results_params(challenge: Challenge, total: int, mine: int) -> dict[str, object]:
    """The figures of RESULTS_MESSAGE, written in each recipient's language."""
    return {
        "title": challenge.title,
        "total": _Grouped(total),
        "target": _Grouped(challenge.target),
        "mine": _Grouped(mine),
    }


def challenge_send_results(*, challenge: Challenge) -> int:
    """Tell each participant the final figures, once. Returns the members notified.

    The challenge is claimed by a conditional UPDATE of results_sent_at, in the same
    transaction as the notifications: two runs at once notify only once. While the
    organization has points turned off, the challenge is closed without a word.
    """
    with transaction.atomic():
        claimed = Challenge.objects.filter(pk=challenge.pk, results_sent_at__isnull=True).update(
            results_sent_at=timezone.now()
        )
        if not claimed:
            return 0
        if not gamification_enabled(organization_id=challenge.organization_id):
            return 0
        members = list(selectors.audience(challenge).select_related("organization"))
        values = selectors.member_values(challenge, selectors.audience(challenge))
        total = sum(values.values())
        url = reverse("challenges")
        for member in members:
            notification_create(
                membership=member,
                kind="challenge.ended",
                message=RESULTS_MESSAGE,
                params=results_params(challenge, total, values.get(member.pk, 0)),
                url=url,
            )
        audit_record(
            organization=challenge.organization,
            actor=None,
            action="challenge.results_sent",
            target=challenge,
            data={"total": total, "target": challenge.target, "notified": len(members)},
        )
    return len(members)


def challenges_send_results() -> dict[str, int]:
    """Every ended challenge whose results were not sent: send them (daily task)."""
    sent = notified = 0
    for challenge in selectors.challenges_to_close().select_related("organization"):
        try:
            count = challenge_send_results(challenge=challenge)
        except Exception:
            logger.exception("challenge %s: results not sent", challenge.pk)
            continue
        sent += 1
        notified += count
    return {"challenges": sent, "notified": notified}
