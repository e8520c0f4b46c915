"""Suggestions, across apps: an accepted suggestion earns its member points."""

from __future__ import annotations

from django.db import transaction

from chorus.accounts.models import User
from chorus.content.models import Post, Suggestion
from chorus.content.services import suggestions as suggestion_services
from chorus.gamification.models import Rule, Source
from chorus.gamification.services.points import points_award


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, actor: User, title: str = "") -> Post:
    """Turn a suggestion into a draft post credited to its member, who earns the
    suggestion's points (when the organization uses points) and is told."""
    post = suggestion_services.suggestion_accept(suggestion=suggestion, actor=actor, title=title)
    points_award(
        membership=suggestion.membership,
        rule=Rule.SUGGESTION,
        source=Source.SUGGESTION,
        source_id=suggestion.pk,
    )
    return post
