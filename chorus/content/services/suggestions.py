"""Employee suggestions: proposed by members, accepted or declined by curators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, User
from chorus.content.models import (
    Post,
    Suggestion,
    SuggestionStatus,
)
from chorus.content.services.posts import post_create
from chorus.core.audit import audit_record
from chorus.core.validators import web_url_clean
from chorus.notifications.services.notifications import notification_create

# Employee suggestions ---------------------------------------------------------------

SUGGESTION_REASON_MAX_LENGTH = 1000
SUGGESTION_DECLINE_MAX_LENGTH = 1000


def suggestion_clean_url(url: str) -> str:
    """A web link (http or https only: never javascript:, data: or a file), or a refusal."""
    if not url.strip():
        raise ValidationError(_("Enter the link you suggest."))
    return web_url_clean(url)


def _suggestion_clean_text(text: str, *, max_length: int, missing: str) -> str:
    text = text.replace("\x00", "").strip()
    if not text:
        raise ValidationError(missing)
    if len(text) > max_length:
        raise ValidationError(
            _("Please keep it under %(count)s characters.")
            % {"count": number_format(max_length, force_grouping=True)}
        )
    return text


def suggestion_create(*, membership: Membership, url: str, reason: str) -> Suggestion:
    """A member suggests a link for the communications team, saying why it matters."""
    # Suggesting is an advocacy action: only members who joined (and stayed) may do it.
    if not membership.is_advocate:
        raise PermissionDenied(_("Join the advocacy program to suggest content."))
    url = suggestion_clean_url(url)
    reason = _suggestion_clean_text(
        reason, max_length=SUGGESTION_REASON_MAX_LENGTH, missing=_("Tell us why it matters.")
    )
    pending = Suggestion.objects.filter(
        membership=membership, url=url, status=SuggestionStatus.PENDING
    )
    if pending.exists():
        raise ValidationError(
            _("You already suggested this link; a curator will look at it soon. Thank you!")
        )
    suggestion = Suggestion.objects.create(
        organization_id=membership.organization_id, membership=membership, url=url, reason=reason
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="suggestion.created",
        target=suggestion,
    )
    return suggestion


def _shorten(url: str, length: int = 80) -> str:
    return url if len(url) <= length else url[: length - 1] + "…"


def _suggestion_title(url: str) -> str:
    """A working title for the draft made from a suggestion (the curator edits it)."""
    readable = url.split("://", 1)[-1].rstrip("/")
    return (_("Suggested: %(link)s") % {"link": readable})[:200]


def _suggestion_decide(
    *, suggestion: Suggestion, actor: User, status: str, **fields: object
) -> None:
    """Record the decision, unless someone decided first (then refuse and roll back)."""
    decided = Suggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=timezone.now(), **fields
    )
    if not decided:
        raise ValidationError(_("This suggestion was already decided."))
    suggestion.refresh_from_db()


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, actor: User, title: str = "") -> Post:
    """Turn a suggestion into a draft post credited to the member who suggested it.

    Content's part of chorus.actions.suggestions.suggestion_accept (which also awards the
    member's points): pages and the API call that.
    """
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion was already decided."))
    post = post_create(
        organization=suggestion.organization,
        actor=actor,
        title=title.replace("\x00", "").strip() or _suggestion_title(suggestion.url),
        link_url=suggestion.url,
        commentary=suggestion.reason,
        suggested_by=suggestion.membership,
    )
    _suggestion_decide(
        suggestion=suggestion, actor=actor, status=SuggestionStatus.ACCEPTED, post=post
    )
    audit_record(
        organization=suggestion.organization,
        actor=actor,
        action="suggestion.accepted",
        target=suggestion,
        data={"post_id": post.pk},
    )
    notification_create(
        membership=suggestion.membership,
        kind="suggestion.accepted",
        message=gettext_lazy(
            "Your suggestion %(link)s was accepted and will become a post. Thank you!"
        ),
        params={"link": _shorten(suggestion.url)},
        url=reverse("my_suggestions"),
    )
    return post


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, actor: User, reason: str) -> Suggestion:
    """Decline a suggestion; the member is told why."""
    reason = _suggestion_clean_text(
        reason,
        max_length=SUGGESTION_DECLINE_MAX_LENGTH,
        missing=_("Say why the suggestion is declined: the member will read it."),
    )
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion was already decided."))
    _suggestion_decide(
        suggestion=suggestion, actor=actor, status=SuggestionStatus.DECLINED, decline_reason=reason
    )
    audit_record(
        organization=suggestion.organization,
        actor=actor,
        action="suggestion.declined",
        target=suggestion,
        data={"reason": reason},
    )
    notification_create(
        membership=suggestion.membership,
        kind="suggestion.declined",
        message=gettext_lazy("Your suggestion %(link)s was declined: %(reason)s"),
        params={"link": _shorten(suggestion.url), "reason": reason},
        url=reverse("my_suggestions"),
    )
    return suggestion
