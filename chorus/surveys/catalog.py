"""The built-in surveys, written in code so that they are translated: readiness, mood
about the program, and "Do you feel pressured to share?"."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chorus.surveys.models import Kind, Measure, Template

# The networks asked about when the organization shares to none of the main ones.
MAIN_NETWORKS = ("linkedin", "x")
# Channels that are not a public profile: nobody posts "about work" there.
NOT_PROFILES = ("whatsapp", "email")
NETWORK_NAMES = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "threads": "Threads",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "xing": "Xing",
}


@dataclass(frozen=True)
class QuestionDraft:
    kind: str
    text: str | Promise
    choices: list[str | Promise] = field(default_factory=list)
    required: bool = False
    measure: str = ""
    attributed: bool = False
    purpose: str | Promise = ""
    purpose_key: str = ""


@dataclass(frozen=True)
class SurveyDraft:
    title: str | Promise
    intro: str | Promise
    questions: list[QuestionDraft]


def _yes_maybe_no() -> list[str | Promise]:
    return [_("Yes"), _("Maybe later"), _("No")]


def readiness(networks: list[str]) -> SurveyDraft:
    asked = [network for network in networks if network in NETWORK_NAMES][:4] or list(MAIN_NETWORKS)
    comfort = [
        QuestionDraft(
            kind=Kind.SCALE5,
            text=_(
                "How comfortable are you posting about work on %(network)s? (1 not at all, 5 very)"
            )
            % {"network": NETWORK_NAMES[network]},
            measure=Measure.COMFORT,
        )
        for network in asked
    ]
    return SurveyDraft(
        title=_("Are you ready to share?"),
        intro=_("Before we ask anyone to share, we would like to hear how you feel about it."),
        questions=[
            *comfort,
            QuestionDraft(
                kind=Kind.SCALE5,
                text=_(
                    "How confident are you about what you may and may not say about "
                    "the company? (1 not at all, 5 very)"
                ),
                measure=Measure.CONFIDENCE,
            ),
            QuestionDraft(
                kind=Kind.SCALE5,
                text=_("Do you have time for a few minutes of sharing a week? (1 no, 5 easily)"),
                measure=Measure.TIME,
            ),
            QuestionDraft(
                kind=Kind.SINGLE,
                text=_("Would you like to take part in the program?"),
                choices=_yes_maybe_no(),
                measure=Measure.WISH,
            ),
            QuestionDraft(
                kind=Kind.TEXT,
                text=_("What would make sharing easier for you?"),
            ),
            QuestionDraft(
                kind=Kind.SINGLE,
                text=_("I'd like to join the pilot group."),
                choices=[_("Yes"), _("No")],
                attributed=True,
                purpose=_("So we can invite you to the pilot"),
                purpose_key="pilot",
            ),
        ],
    )


def mood() -> SurveyDraft:
    return SurveyDraft(
        title=_("How is the program going for you?"),
        intro=_("Three quick questions about the sharing program."),
        questions=[
            QuestionDraft(
                kind=Kind.SCALE5,
                text=_("How do you feel about the program? (1 not good, 5 very good)"),
                required=True,
                measure=Measure.MOOD,
            ),
            QuestionDraft(
                kind=Kind.LIKELIHOOD10,
                text=_("How likely are you to recommend the program to a colleague?"),
            ),
            QuestionDraft(kind=Kind.TEXT, text=_("What should we change?")),
        ],
    )


def pressure() -> SurveyDraft:
    return SurveyDraft(
        title=_("Do you feel pressured to share?"),
        intro=_("Taking part is voluntary. Tell us honestly if it does not feel that way."),
        questions=[
            QuestionDraft(
                kind=Kind.SCALE5,
                text=_("Do you feel pressured to share? (1 not at all, 5 very much)"),
                required=True,
                measure=Measure.PRESSURE,
            ),
            QuestionDraft(kind=Kind.TEXT, text=_("Where does the pressure come from?")),
        ],
    )


def draft_for(template: str, *, networks: list[str]) -> SurveyDraft:
    if template == Template.READINESS:
        return readiness(networks)
    if template == Template.MOOD:
        return mood()
    if template == Template.PRESSURE:
        return pressure()
    return SurveyDraft(title=_("New survey"), intro="", questions=[])
