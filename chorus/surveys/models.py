"""Pulse surveys, stored so that answers cannot be traced back to a person.

Numbers are never kept per person: a submission adds one to counters (``Tally``,
``RoundCount``, ``Overlap``) for "everyone" and for each group the member is in. Free text
is kept as loose rows (``TextAnswer``) with a random id, no date and no member. The only
link to people is ``Answered`` (this member answered this round, on this day), used to
refuse a second answer and to remind the others; admins only ever see its count. A
question marked "not anonymous" for a stated purpose stores its answer by name
(``AttributedAnswer``) and says so next to the question.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel


class Template(models.TextChoices):
    READINESS = "readiness", _("Readiness")
    MOOD = "mood", _("Mood about the program")
    PRESSURE = "pressure", _("Pressure to share")
    CUSTOM = "custom", pgettext_lazy("survey template", "Blank")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("survey status", "Draft")
    OPEN = "open", pgettext_lazy("survey status", "Sent")
    CLOSED = "closed", pgettext_lazy("survey status", "Closed")
    ARCHIVED = "archived", pgettext_lazy("survey status", "Archived")


# Repeat every N weeks (0 = once).
REPEAT_CHOICES = [
    (0, _("Once")),
    (1, _("Every week")),
    (2, _("Every two weeks")),
    (4, _("Every four weeks")),
    (13, _("Every quarter (13 weeks)")),
]


class Survey(TenantModel):
    title = models.CharField(_("Title"), max_length=150)
    intro = models.TextField(_("Introduction"), max_length=2000, blank=True)
    template = models.CharField(max_length=16, choices=Template.choices, default=Template.CUSTOM)
    # Everyone active in the organization, or only the members of these groups.
    everyone = models.BooleanField(_("Send to everyone"), default=True)
    groups = models.ManyToManyField("accounts.Group", related_name="+", blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    repeat_weeks = models.PositiveSmallIntegerField(
        _("How often"), choices=REPEAT_CHOICES, default=0
    )
    next_round_on = models.DateField(null=True, blank=True)
    open_days = models.PositiveSmallIntegerField(_("Days open for answers"), default=7)
    created_on = models.DateField()

    class Meta:
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title


class Kind(models.TextChoices):
    SCALE5 = "scale5", _("Scale from 1 to 5")
    LIKELIHOOD10 = "likelihood10", _("Likelihood from 0 to 10")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")


class Measure(models.TextChoices):
    NONE = "", pgettext_lazy("survey measure", "None")
    MOOD = "mood", pgettext_lazy("survey measure", "Mood")
    PRESSURE = "pressure", pgettext_lazy("survey measure", "Pressure")
    COMFORT = "comfort", pgettext_lazy("survey measure", "Comfort")
    CONFIDENCE = "confidence", pgettext_lazy("survey measure", "Confidence")
    TIME = "time", pgettext_lazy("survey measure", "Time")
    WISH = "wish", pgettext_lazy("survey measure", "Wish to take part")


class Question(TenantModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(_("Question"), max_length=300)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    measure = models.CharField(max_length=16, choices=Measure.choices, blank=True, default="")
    # A question answered by name, only for a stated purpose shown next to it.
    attributed = models.BooleanField(default=False)
    purpose = models.CharField(max_length=200, blank=True)
    purpose_key = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Round(TenantModel):
    """One sending of a survey; results are per round."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    opened_on = models.DateField()
    closes_at = models.DateTimeField()
    closed = models.BooleanField(default=False)
    reminded = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="one_round_number")
        ]
        indexes = [models.Index(fields=["organization", "closed", "closes_at"])]

    def __str__(self) -> str:
        return f"{self.survey} #{self.number}"


# Tally.value for "this many people answered this question" (for every kind).
ANSWERED = -1


def _per_group(name: str, *fields: str) -> list[models.BaseConstraint]:
    """Unique per group, "everyone" (a null group) included: SQL treats nulls as distinct,
    so everyone's row gets its own partial constraint."""
    return [
        models.UniqueConstraint(
            fields=[*fields, "group"], condition=Q(group__isnull=False), name=f"{name}_group"
        ),
        models.UniqueConstraint(
            fields=list(fields), condition=Q(group__isnull=True), name=f"{name}_everyone"
        ),
    ]


class Tally(TenantModel):
    """How many people in a group gave this value to a question in a round: the scale
    value, the 0-10 number, a choice's index, or ``ANSWERED``. A group's rows for every
    question and value are made together, at zero, when its first respondent answers, so
    which rows exist and the order of their ids say nothing about anyone's answer."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "accounts.Group", null=True, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()
    count = models.PositiveIntegerField(default=0)
    # What results show: ``count`` as it was at the last publication (see RoundCount).
    shown_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = _per_group("tally", "round", "question", "value")


class RoundCount(TenantModel):
    """Respondents of a round in a group. Results read the ``shown_`` copies, published
    each time everyone's respondents reach a multiple of the minimum (5, 10, 15...), and
    for a group only when at least the minimum of its people answered since it was last
    published: two looks at any result, before and after one person answered, can never
    be subtracted to learn that person's answer."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "accounts.Group", null=True, on_delete=models.CASCADE, related_name="+"
    )
    respondents = models.PositiveIntegerField(default=0)
    shown_respondents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = _per_group("roundcount", "round")


class Overlap(TenantModel):
    """Respondents of a round in both groups (``group_a_id < group_b_id``).

    A group's results are published only when at least the minimum of its people answered
    since it was last published, so two groups' shown results may date from different
    moments. ``respondents_at_a`` and ``_at_b`` keep the overlap as it was when each group
    was last published; the people both shown results have in common are the smaller of
    the two (``shown_respondents``), which is what the differencing rule compares."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    group_a = models.ForeignKey("accounts.Group", on_delete=models.CASCADE, related_name="+")
    group_b = models.ForeignKey("accounts.Group", on_delete=models.CASCADE, related_name="+")
    respondents = models.PositiveIntegerField(default=0)
    respondents_at_a = models.PositiveIntegerField(default=0)
    respondents_at_b = models.PositiveIntegerField(default=0)
    shown_respondents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "group_a", "group_b"], name="one_overlap")
        ]


class TextAnswer(TenantModel):
    """A free-text answer, kept once, for everyone (``group`` is always null): a random id,
    no date, no member. Not per group: the same words in two groups' lists would tell who is
    in both, however large each group is. Lists order it by text, never by insertion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "accounts.Group", null=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(max_length=2000)
    # Published with the counters (see RoundCount).
    shown = models.BooleanField(default=False)

    class Meta:
        ordering = ["text"]
        indexes = [models.Index(fields=["round", "question", "group", "text"])]


class Answered(TenantModel):
    """This member answered (or declined) this round: the only link to people, to refuse
    a second answer and to remind the others. Never shown by name."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    answered_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "membership"], name="answer_once")]


class AttributedAnswer(TenantModel):
    """An answer to a question marked not anonymous, by name, for its stated purpose."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    value = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(max_length=2000, blank=True)
    answered_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "question", "membership"], name="one_attributed_answer"
            )
        ]
        indexes = [models.Index(fields=["organization", "question", "answered_on"])]
