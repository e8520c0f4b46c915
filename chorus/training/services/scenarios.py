"""Writes for practice scenarios: trainers write them and review answers; members answer.

Every function checks who may do it, so pages and the API refuse the same things.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, Membership
from chorus.content.compliance import CheckResult, check_text
from chorus.content.models import ComplianceRule, ContentPolicy, Network
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.training.models import (
    Course,
    ResponseState,
    Scenario,
    ScenarioResponse,
    ScenarioState,
)
from chorus.training.selectors import scenarios as selectors
from chorus.training.services.certification import certificates_award_due

MAX_TITLE = 200
MAX_SITUATION = 20000
MAX_ANSWER = 10000
MAX_FEEDBACK = 5000
# A trainer's decision on an answer: it passes, or the member tries again.
DECISIONS = ("pass", "retry")

PASSED_MESSAGE = gettext_lazy("Your answer to “%(title)s” passed. Feedback: %(feedback)s")
PASSED_MESSAGE_PLAIN = gettext_lazy("Your answer to “%(title)s” passed.")
RETRY_MESSAGE = gettext_lazy("Another try is asked for “%(title)s”. Feedback: %(feedback)s")


def network_label(network: str) -> str:
    """The network's name, or "" when the scenario names none."""
    return str(Network(network).label) if network in Network.values else ""


def _require_trainer(membership: Membership) -> None:
    if not membership.has_role("trainer"):
        raise PermissionDenied(_("Only trainers and admins write and review scenarios."))


def _clean_text(value: str, *, limit: int, name: str) -> str:
    value = value.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ValidationError(
            _("%(name)s has at most %(max)s characters.") % {"name": name, "max": limit}
        )
    return value


def scenario_check(
    *,
    membership: Membership,
    scenario: Scenario,
    text: str,
    rules: Sequence[ComplianceRule] | None = None,
    policy: ContentPolicy | None = None,
) -> CheckResult:
    """The compliance verdict of an answer, as the organization's rules and the scenario's
    network (its length limit) judge it. `rules` and `policy` may be passed when already
    loaded (checking many answers)."""
    return check_text(
        organization=membership.organization,
        network=scenario.network,
        text=text[: MAX_ANSWER * 2],
        rules=rules,
        policy=policy,
    )


def _validated(
    *,
    membership: Membership,
    title: str,
    situation: str,
    network: str,
    state: str,
    target_all: bool,
    groups: Iterable[Group],
    course: Course | None,
) -> dict[str, object]:
    title = " ".join(title.replace("\x00", "").split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the scenario a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("A title has at most %(max)s characters.") % {"max": MAX_TITLE}]
    try:
        situation = _clean_text(situation, limit=MAX_SITUATION, name=_("The situation"))
    except ValidationError as error:
        errors["situation"] = error.messages
    else:
        if not situation:
            errors["situation"] = [_("Describe the situation members answer.")]
    if network and network not in Network.values:
        errors["network"] = [_("Choose one of the networks, or none.")]
    if state not in ScenarioState.values:
        errors["state"] = [_("Choose draft, published or archived.")]
    group_list = list(groups)
    if any(group.organization_id != membership.organization_id for group in group_list):
        errors["target_groups"] = [_("Choose groups of your organization.")]
    elif not target_all and not group_list:
        errors["target_groups"] = [_("Choose at least one group, or target everyone.")]
    if course is not None and course.organization_id != membership.organization_id:
        errors["course"] = [_("Choose a course of your organization.")]
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "situation": situation,
        "network": network,
        "state": state,
        "target_all": target_all,
        "course": course,
        "groups": [] if target_all else group_list,
    }


def scenario_create(
    *,
    membership: Membership,
    title: str,
    situation: str,
    network: str = "",
    state: str = ScenarioState.DRAFT,
    target_all: bool = True,
    groups: Iterable[Group] = (),
    course: Course | None = None,
) -> Scenario:
    """A trainer writes a scenario."""
    _require_trainer(membership)
    values = _validated(
        membership=membership,
        title=title,
        situation=situation,
        network=network,
        state=state,
        target_all=target_all,
        groups=groups,
        course=course,
    )
    chosen = values.pop("groups")
    with transaction.atomic():
        scenario = Scenario.objects.create(
            organization=membership.organization, created_by=membership.user, **values
        )
        scenario.target_groups.set(chosen)  # type: ignore[arg-type]
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.scenario_created",
            target=scenario,
            data={"state": scenario.state},
        )
    return scenario


def scenario_update(
    *,
    membership: Membership,
    scenario: Scenario,
    title: str,
    situation: str,
    network: str = "",
    state: str = ScenarioState.DRAFT,
    target_all: bool = True,
    groups: Iterable[Group] = (),
    course: Course | None = None,
) -> Scenario:
    """A trainer changes a scenario (answers already written stay as they are)."""
    _require_trainer(membership)
    if scenario.organization_id != membership.organization_id:
        raise PermissionDenied(_("This scenario is not in your organization."))
    values = _validated(
        membership=membership,
        title=title,
        situation=situation,
        network=network,
        state=state,
        target_all=target_all,
        groups=groups,
        course=course,
    )
    chosen = values.pop("groups")
    with transaction.atomic():
        was = scenario.state
        for name, value in values.items():
            setattr(scenario, name, value)
        scenario.save(update_fields=[*values.keys()])
        scenario.target_groups.set(chosen)  # type: ignore[arg-type]
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.scenario_updated",
            target=scenario,
            data={"state": scenario.state, "was": was},
        )
    return scenario


def _answerable(membership: Membership, scenario: Scenario) -> None:
    if scenario.organization_id != membership.organization_id or not selectors.is_targeted(
        membership=membership, scenario=scenario
    ):
        raise PermissionDenied(_("This scenario is not open to you."))


def response_save_draft(
    *, membership: Membership, scenario: Scenario, text: str
) -> ScenarioResponse:
    """The member keeps what they wrote so far (a new draft after "another try")."""
    _answerable(membership, scenario)
    text = _clean_text(text, limit=MAX_ANSWER, name=_("An answer"))
    with transaction.atomic():
        current = selectors.current_response(membership=membership, scenario=scenario)
        if current is not None and current.state == ResponseState.SUBMITTED:
            raise ValidationError(_("Your answer is waiting for feedback; it cannot change now."))
        if current is not None and current.state == ResponseState.PASSED:
            raise ValidationError(_("Your answer already passed."))
        if current is None or current.state == ResponseState.RETRY:
            return ScenarioResponse.objects.create(
                organization=membership.organization,
                scenario=scenario,
                membership=membership,
                text=text,
            )
        current.text = text
        current.save(update_fields=["text"])
        return current


def response_submit(*, membership: Membership, scenario: Scenario, text: str) -> ScenarioResponse:
    """The member sends their answer for feedback. What they typed is kept as a draft even
    when the submission is refused (an empty answer)."""
    if not text.strip():
        raise ValidationError(_("Write your answer before sending it."))
    with transaction.atomic():
        response = response_save_draft(membership=membership, scenario=scenario, text=text)
        response.state = ResponseState.SUBMITTED
        response.submitted_at = timezone.now()
        response.save(update_fields=["state", "submitted_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.scenario_submitted",
            target=response,
            target_label=scenario.title,
        )
    return response


def response_review(
    *, reviewer: Membership, response: ScenarioResponse, decision: str, feedback: str
) -> ScenarioResponse:
    """A trainer passes an answer or asks for another try, with feedback the member reads."""
    _require_trainer(reviewer)
    if response.organization_id != reviewer.organization_id:
        raise PermissionDenied(_("This answer is not in your organization."))
    if response.membership_id == reviewer.pk:
        raise PermissionDenied(_("You cannot review your own answer."))
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Choose pass or another try.")]})
    passed = decision == "pass"
    feedback = _clean_text(feedback, limit=MAX_FEEDBACK, name=_("Feedback"))
    if not passed and not feedback:
        raise ValidationError({"feedback": [_("Say what to change for another try.")]})
    with transaction.atomic():
        locked = ScenarioResponse.objects.select_for_update().get(pk=response.pk)
        if locked.state != ResponseState.SUBMITTED:
            raise ValidationError(_("This answer is not waiting for feedback."))
        locked.state = ResponseState.PASSED if passed else ResponseState.RETRY
        locked.feedback = feedback
        locked.reviewed_by = reviewer.user
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["state", "feedback", "reviewed_by", "reviewed_at"])
        scenario = response.scenario
        if passed:
            message = PASSED_MESSAGE if feedback else PASSED_MESSAGE_PLAIN
        else:
            message = RETRY_MESSAGE
        notification_create(
            membership=response.membership,
            kind="scenario_reviewed",
            message=message,
            params={"title": scenario.title, "feedback": feedback},
            url=reverse("practice_scenario", args=[scenario.pk]),
        )
        audit_record(
            organization=reviewer.organization,
            actor=reviewer.user,
            action="training.scenario_passed" if passed else "training.scenario_retry",
            target=locked,
            target_label=scenario.title,
            data={"member": response.membership_id},
        )
        if passed:
            certificates_award_due(membership=response.membership)
    return locked
