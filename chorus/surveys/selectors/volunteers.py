"""Who said, by name, that they would like to join the pilot."""

from __future__ import annotations

from datetime import date

from chorus.accounts.models import Organization
from chorus.surveys.models import AttributedAnswer, Kind

PILOT = "pilot"


def said_yes(*, kind: str, value: int | None, choices: list[int]) -> bool:
    """The pilot question is a yes/no choice with "yes" first; on a 1-5 scale, 4 or 5."""
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        return 0 in (choices or ([value] if value is not None else []))
    if kind == Kind.SCALE5:
        return (value or 0) >= 4
    return False


def pilot_volunteers(*, organization: Organization) -> dict[int, date]:
    """Membership id -> day of their latest "yes" to an attributed question with purpose
    key "pilot"; a later "no" takes them off. Active members only. One query."""
    latest: dict[int, tuple[date, bool]] = {}
    answers = (
        AttributedAnswer.objects.filter(
            organization=organization,
            question__purpose_key=PILOT,
            question__attributed=True,
            membership__is_active=True,
        )
        .order_by("answered_on", "round__opened_on", "round_id", "pk")
        .values_list("membership_id", "answered_on", "question__kind", "value", "choices")
    )
    for membership_id, day, kind, value, choices in answers:
        latest[membership_id] = (day, said_yes(kind=kind, value=value, choices=choices or []))
    return {pk: day for pk, (day, yes) in latest.items() if yes}
