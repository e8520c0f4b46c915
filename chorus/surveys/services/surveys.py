"""Surveys an admin makes and sends: from a template or blank, questions changed only
before the first round, rounds opened (now or on the schedule), reminded and closed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import (
    NotificationDraft,
    notifications_create_many,
)
from chorus.sharing.selectors.feed import enabled_networks
from chorus.surveys import catalog
from chorus.surveys.models import (
    REPEAT_CHOICES,
    Answered,
    Kind,
    Question,
    Round,
    Survey,
    SurveyStatus,
    Template,
)

NOTIFY_BATCH = 500
REMIND_BEFORE = datetime.timedelta(days=2)
# Templates whose questions people who left the program may still answer: their voice
# matters most on mood and pressure. Nobody chases them (no notification, no reminder).
LEAVERS_ANSWER = (Template.MOOD, Template.PRESSURE)
KIND = "survey"
REPEATS = {weeks for weeks, _label in REPEAT_CHOICES}
MAX_CHOICES = 12


class SurveyError(Exception):
    """Refused in words the person can act on."""


def _frozen(survey: Survey) -> bool:
    return Round.objects.filter(organization_id=survey.organization_id, survey=survey).exists()


def survey_create(
    *,
    organization: Organization,
    actor: Membership,
    template: str,
    today: datetime.date | None = None,
) -> Survey:
    if template not in Template.values:
        raise SurveyError(_("Choose one of the templates."))
    draft = catalog.draft_for(template, networks=enabled_networks(organization=organization))
    with transaction.atomic():
        survey = Survey.objects.create(
            organization=organization,
            title=str(draft.title),
            intro=str(draft.intro),
            template=template,
            created_by=actor,
            created_on=today or timezone.localdate(),
        )
        Question.objects.bulk_create(
            Question(
                organization=organization,
                survey=survey,
                position=position,
                kind=question.kind,
                text=str(question.text),
                choices=[str(choice) for choice in question.choices],
                required=question.required,
                measure=question.measure,
                attributed=question.attributed,
                purpose=str(question.purpose),
                purpose_key=question.purpose_key,
            )
            for position, question in enumerate(draft.questions)
        )
        audit_record(
            organization=organization,
            actor=actor.user,
            action="surveys.created",
            target=survey,
            target_label=survey.title,
        )
    return survey


def survey_update(
    *,
    survey: Survey,
    actor: Membership,
    title: str,
    intro: str,
    everyone: bool,
    groups: Sequence[Group],
    repeat_weeks: int,
    open_days: int,
) -> Survey:
    title = title.strip()
    if not title:
        raise SurveyError(_("Give the survey a title."))
    if repeat_weeks not in REPEATS:
        raise SurveyError(_("Choose how often the survey is sent."))
    if not 1 <= open_days <= 60:
        raise SurveyError(_("A round stays open between 1 and 60 days."))
    if not everyone and not groups:
        raise SurveyError(_("Choose at least one group, or send it to everyone."))
    if survey.status in (SurveyStatus.CLOSED, SurveyStatus.ARCHIVED):
        raise SurveyError(_("This survey is closed."))
    with transaction.atomic():
        survey.title = title[:150]
        survey.intro = intro.strip()[:2000]
        survey.everyone = everyone
        survey.repeat_weeks = repeat_weeks
        survey.open_days = open_days
        if repeat_weeks == 0:
            survey.next_round_on = None
        survey.save(
            update_fields=[
                "title",
                "intro",
                "everyone",
                "repeat_weeks",
                "open_days",
                "next_round_on",
            ]
        )
        survey.groups.set([] if everyone else list(groups))
        audit_record(
            organization=survey.organization,
            actor=actor.user,
            action="surveys.changed",
            target=survey,
            target_label=survey.title,
        )
    return survey


def question_add(
    *,
    survey: Survey,
    actor: Membership,
    kind: str,
    text: str,
    choices: Sequence[str] = (),
    required: bool = False,
    attributed: bool = False,
    purpose: str = "",
) -> Question:
    """A question at the end. Only before the first round: answers already given would
    not match a changed survey (make a new survey instead)."""
    if _frozen(survey):
        raise SurveyError(
            _("Questions cannot change once a round was sent. Make a new survey instead.")
        )
    text = text.strip()
    if kind not in Kind.values:
        raise SurveyError(_("Choose the kind of question."))
    if not text:
        raise SurveyError(_("Write the question."))
    labels = [label.strip()[:100] for label in choices if label.strip()]
    if kind in (Kind.SINGLE, Kind.MULTIPLE) and not 2 <= len(labels) <= MAX_CHOICES:
        raise SurveyError(_("Give between 2 and 12 choices, one a line."))
    if attributed and not purpose.strip():
        raise SurveyError(
            _("Say why this answer is asked by name: members see the purpose next to it.")
        )
    position = (
        Question.objects.filter(organization_id=survey.organization_id, survey=survey).aggregate(
            top=Max("position")
        )["top"]
        or 0
    )
    question = Question.objects.create(
        organization_id=survey.organization_id,
        survey=survey,
        position=position + 1,
        kind=kind,
        text=text[:300],
        choices=labels if kind in (Kind.SINGLE, Kind.MULTIPLE) else [],
        required=required,
        attributed=attributed,
        purpose=purpose.strip()[:200] if attributed else "",
    )
    return question


def question_remove(*, question: Question, actor: Membership) -> None:
    if _frozen(question.survey):
        raise SurveyError(
            _("Questions cannot change once a round was sent. Make a new survey instead.")
        )
    question.delete()


def question_move(*, question: Question, actor: Membership, up: bool) -> None:
    """Swap the question with its neighbour above (or below)."""
    if _frozen(question.survey):
        raise SurveyError(
            _("Questions cannot change once a round was sent. Make a new survey instead.")
        )
    questions = list(
        Question.objects.filter(
            organization_id=question.organization_id, survey_id=question.survey_id
        ).order_by("position", "pk")
    )
    index = next(i for i, found in enumerate(questions) if found.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, found in enumerate(questions):
        found.position = position
    Question.objects.bulk_update(questions, ["position"])


def audience(*, survey: Survey) -> QuerySet[Membership]:
    """Who is asked: active members (of the survey's groups, or everyone)."""
    members = Membership.objects.filter(organization_id=survey.organization_id, is_active=True)
    if not survey.everyone:
        members = members.filter(
            groups__in=Group.objects.filter(pk__in=survey.groups.values("pk"))
        ).distinct()
    return members


def may_answer(*, survey: Survey, membership: Membership) -> bool:
    """Whether this member is asked: active, in the audience, and not someone who left
    the program (unless the survey is about mood or pressure)."""
    if not membership.is_active or membership.organization_id != survey.organization_id:
        return False
    if membership.program_status == ProgramStatus.LEFT and survey.template not in LEAVERS_ANSWER:
        return False
    return audience(survey=survey).filter(pk=membership.pk).exists()


def _chased(survey: Survey) -> QuerySet[Membership]:
    """Those a notification or reminder goes to: never people who left the program."""
    return audience(survey=survey).exclude(program_status=ProgramStatus.LEFT)


def _batches(members: QuerySet[Membership]) -> Iterator[list[Membership]]:
    after = 0
    while True:
        batch = list(
            members.filter(pk__gt=after).select_related("user").order_by("pk")[:NOTIFY_BATCH]
        )
        if not batch:
            return
        after = batch[-1].pk
        yield batch


def round_open(
    *, survey: Survey, actor: Membership | None, now: datetime.datetime | None = None
) -> Round:
    """Send the survey now: a new round, open for ``open_days``; members are told."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if survey.status in (SurveyStatus.CLOSED, SurveyStatus.ARCHIVED):
        raise SurveyError(_("This survey is closed."))
    if not Question.objects.filter(organization_id=survey.organization_id, survey=survey).exists():
        raise SurveyError(_("Add at least one question before sending."))
    with transaction.atomic():
        current = Round.objects.filter(
            organization_id=survey.organization_id, survey=survey, closed=False
        )
        current.update(closed=True)
        number = (
            Round.objects.filter(organization_id=survey.organization_id, survey=survey).aggregate(
                top=Max("number")
            )["top"]
            or 0
        ) + 1
        opened = Round.objects.create(
            organization_id=survey.organization_id,
            survey=survey,
            number=number,
            opened_on=today,
            closes_at=now + datetime.timedelta(days=survey.open_days),
        )
        survey.status = SurveyStatus.OPEN
        survey.next_round_on = (
            today + datetime.timedelta(weeks=survey.repeat_weeks) if survey.repeat_weeks else None
        )
        survey.save(update_fields=["status", "next_round_on"])
        if actor is not None:
            audit_record(
                organization=survey.organization,
                actor=actor.user,
                action="surveys.round_opened",
                target=survey,
                target_label=survey.title,
                data={"round": number},
            )
        transaction.on_commit(lambda: _notify_later(opened.pk))
    return opened


def _notify_later(round_id: int) -> None:
    from chorus.surveys.tasks import round_notify

    round_notify.enqueue(round_id)


def _tell(round: Round, members: QuerySet[Membership], *, reminder: bool) -> int:
    url = reverse("surveys_answer", args=[round.survey_id])
    message = (
        _("Reminder: a short survey closes soon: %(title)s")
        if reminder
        else _("A short survey is waiting for you: %(title)s")
    )
    told = 0
    for batch in _batches(members):
        notifications_create_many(
            drafts=[
                NotificationDraft(
                    membership=member,
                    kind=KIND,
                    message=message,
                    params={"title": round.survey.title},
                    url=url,
                )
                for member in batch
            ]
        )
        told += len(batch)
    return told


def round_notify(*, round: Round) -> int:
    """Tell the audience (not those who left the program) that the round opened; a round
    already over (closed before the task ran) is left alone."""
    if round.closed or round.closes_at <= timezone.now():
        return 0
    return _tell(round, _chased(round.survey), reminder=False)


def _not_answered(round: Round) -> QuerySet[Membership]:
    answered = Answered.objects.filter(organization_id=round.organization_id, round=round)
    return _chased(round.survey).exclude(pk__in=answered.values("membership_id"))


def round_remind(*, round: Round) -> int:
    """Once, two days before closing: those who have not answered (nobody who left)."""
    if round.reminded or round.closed:
        return 0
    updated = Round.objects.filter(
        organization_id=round.organization_id, pk=round.pk, reminded=False
    ).update(reminded=True)
    if not updated:
        return 0
    return _tell(round, _not_answered(round), reminder=True)


def survey_close(*, survey: Survey, actor: Membership) -> Survey:
    with transaction.atomic():
        Round.objects.filter(
            organization_id=survey.organization_id, survey=survey, closed=False
        ).update(closed=True)
        survey.status = SurveyStatus.CLOSED
        survey.next_round_on = None
        survey.save(update_fields=["status", "next_round_on"])
        audit_record(
            organization=survey.organization,
            actor=actor.user,
            action="surveys.closed",
            target=survey,
            target_label=survey.title,
        )
    return survey


def surveys_tick(*, organization: Organization, now: datetime.datetime | None = None) -> int:
    """The periodic work: close rounds past their time, open the scheduled rounds that
    are due, send the reminders. Returns how many things it did."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    done = Round.objects.filter(organization=organization, closed=False, closes_at__lte=now).update(
        closed=True
    )
    for survey in Survey.objects.filter(
        organization=organization,
        status=SurveyStatus.OPEN,
        repeat_weeks__gt=0,
        next_round_on__lte=today,
    ):
        round_open(survey=survey, actor=None, now=now)
        done += 1
    for found in Round.objects.filter(
        Q(closes_at__lte=now + REMIND_BEFORE),
        organization=organization,
        closed=False,
        reminded=False,
        opened_on__lt=today,
    ).select_related("survey"):
        round_remind(round=found)
        done += 1
    return done
