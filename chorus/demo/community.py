"""Acme's best-practice spaces: what members ask each other, a pinned best practice, a
win with its live figures, a reply reported and hidden, and the office hours linked.

Made through the community app's services, as members would (mentions notify, moderation
is audited)."""

from __future__ import annotations

from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.community.models import Space
from chorus.community.services import moderation, spaces, threads
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES
from chorus.training.models import TrainingSession


def seed_community(
    *, organization: Organization, curator: Membership, maya: Membership, sofia: Membership
) -> list[Space]:
    """Three spaces with threads; returns them. Runs once (the caller checks)."""
    others = list(
        Membership.objects.filter(organization=organization, is_active=True, is_curator=False)
        .exclude(pk__in=[maya.pk, sofia.pk])
        .select_related("user")
        .order_by("pk")[:6]
    )
    tips = spaces.space_create(
        membership=curator,
        name="LinkedIn tips",
        description="What works on LinkedIn: timing, words, pictures. Ask before you post.",
    )
    region = Group.objects.filter(organization=organization, kind=GroupKind.REGION).first()
    dach = spaces.space_create(
        membership=curator,
        name=f"Region {region.name}" if region is not None else "Region DACH",
        description="Local events, local customers, local language.",
        kind="region",
        group=region,
    )
    cohort = spaces.space_create(
        membership=curator,
        name="Pilot cohort",
        description="The first volunteers: what we learn before everyone joins.",
        kind="cohort",
        visibility="invite_only",
    )
    for member in (maya, sofia, *others):
        spaces.space_join(membership=member, space=tips)
    for member in (maya, *others[:3]):
        spaces.space_join(membership=member, space=dach)
    for member in (maya, sofia):
        invitation = spaces.space_invite(membership=curator, space=cohort, invitee=member)
        spaces.invitation_answer(membership=member, invitation=invitation, accept=True)

    best = threads.thread_create(
        membership=curator,
        space=tips,
        title="Best practice: add one sentence of your own",
        body=(
            "Posts with a personal first line get **twice the clicks** of the suggested "
            "caption alone.\n\n- Say why it matters to *you*\n- Tag a colleague who helped\n"
            "- Post between 8 and 10 in the morning"
        ),
    )
    moderation.thread_pin(membership=curator, thread=best, pinned=True)
    question = threads.thread_create(
        membership=sofia,
        space=tips,
        title="Pictures or no pictures?",
        body="Does a photo of the team do better than the link preview? @maya.schmidt, "
        "you tried both, right?",
    )
    threads.reply_create(
        membership=maya,
        thread=question,
        body="The team photo won by far for me: people like faces. Keep the caption short.",
    )
    if others:
        noisy = threads.reply_create(
            membership=others[0],
            thread=question,
            body="Anyone want to buy my old bike? DM me.",
        )
        moderation.report_create(membership=sofia, message=noisy, reason="spam", note="Off topic")
        if len(others) > 1:
            moderation.report_create(membership=others[1], message=noisy, reason="spam")
        moderation.message_hide(membership=curator, message=noisy, reason="Off topic: a sale")
    share = (
        Share.objects.filter(organization=organization, membership=maya, status__in=SHARED_STATUSES)
        .order_by("-shared_at", "-pk")
        .first()
    )
    if share is not None:
        threads.win_create(
            membership=maya,
            space=tips,
            share=share,
            title="My best post this quarter",
            body="I posted it on a Tuesday morning with a line about the customer we visited. "
            "Two colleagues commented in the first hour, which seems to have helped.",
            confirmed=True,
        )
    threads.thread_create(
        membership=maya,
        space=dach,
        title="Trade fair in Munich next month",
        body="Who is going? Let's share the booth post together on the first day.",
    )
    threads.thread_create(
        membership=curator,
        space=cohort,
        title="Your first two weeks",
        body="What was hard, what was easy? Everything you say here shapes the program.",
    )
    session = (
        TrainingSession.objects.filter(
            organization=organization, cancelled_at__isnull=True, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )
    if session is not None:
        spaces.space_session_link(membership=curator, space=tips, session=session)
    return [tips, dach, cohort]
