"""Posts, across apps: withdrawing a post also cancels the shares waiting to go out."""

from __future__ import annotations

from django.db import transaction

from chorus.accounts.models import User
from chorus.content.models import Post, PostTransition
from chorus.content.services import posts as post_services
from chorus.sharing.services.cancel import shares_cancel_for_post


@transaction.atomic
def post_archive(*, post: Post, actor: User | None, reason: str = "") -> PostTransition:
    """Withdraw a post: archived (its links lead to the fallback page), and every share of
    it still waiting to be published is cancelled, its member told why."""
    transition = post_services.post_archive(post=post, actor=actor, reason=reason)
    shares_cancel_for_post(post=post)
    return transition
