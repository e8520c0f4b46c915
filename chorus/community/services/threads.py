"""Writes for threads and messages: start a thread or a win, reply, edit or delete one's
own message, react, mark a thread read. Mentions are resolved among the space's members
when a message is saved and the mentioned members told; the thread's author is told of a
reply unless they muted the space. A mention reaches a muted member all the same (it is
addressed to them); it never reaches someone who cannot read the space."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.community.access import SpaceAccess, space_access
from chorus.community.models import (
    EDIT_WINDOW_MINUTES,
    MAX_BODY,
    MAX_TITLE,
    REACTIONS,
    Mention,
    Message,
    Reaction,
    Space,
    SpaceMember,
    Thread,
    ThreadKind,
    ThreadRead,
)
from chorus.community.text import mention_handles, mentioned_ids, message_require_compliant
from chorus.notifications.services.notifications import NotificationDraft, notifications_create_many
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES


def _clean_body(body: str) -> str:
    body = body.replace("\x00", "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": [_("A message has at most %(max)s characters.") % {"max": MAX_BODY}]}
        )
    return body


def _clean_title(title: str) -> str:
    title = " ".join(title.replace("\x00", "").split())
    if not title:
        raise ValidationError({"title": [_("Give the thread a title.")]})
    if len(title) > MAX_TITLE:
        raise ValidationError(
            {"title": [_("A title has at most %(max)s characters.") % {"max": MAX_TITLE}]}
        )
    return title


def _writer(membership: Membership, space: Space) -> SpaceAccess:
    """The author's access; writing in an open space makes them a member of it."""
    access = space_access(space=space, membership=membership)
    if not access.can_read:
        raise PermissionDenied(_("This space is by invitation only."))
    if not access.can_write:
        raise ValidationError(_("This space is archived: nothing new can be written in it."))
    if access.space_member is None:
        member, _created = SpaceMember.objects.get_or_create(
            organization_id=membership.organization_id, space=space, membership=membership
        )
        access = SpaceAccess(space=space, membership=membership, space_member=member)
    return access


def _thread_url(thread: Thread, message: Message | None = None) -> str:
    url = reverse("community_thread", args=[thread.space_id, thread.pk])
    return f"{url}#message-{message.pk}" if message is not None else url


# The words after "@" that find readers of an open space who have not joined it.
MENTION_WORD = re.compile(r"(?<!\w)@(\w+)")
MAX_MENTION_WORDS = 20
MAX_MENTION_CANDIDATES = 200


def _open_space_readers(*, text: str, thread: Thread, author: Membership) -> list[Membership]:
    """Active members outside the space whose name or email starts with a word written after
    an "@": an open space is read by every active member, so each of them can be mentioned
    (the exact handle is matched afterwards, in `mentioned_ids`)."""
    words = list(dict.fromkeys(word.casefold() for word in MENTION_WORD.findall(text)))
    if not words:
        return []
    wanted = Q()
    for word in words[:MAX_MENTION_WORDS]:
        wanted |= Q(user__name__istartswith=word) | Q(user__email__istartswith=word)
    return list(
        Membership.objects.filter(wanted, organization_id=author.organization_id, is_active=True)
        .exclude(pk=author.pk)
        .exclude(space_memberships__space_id=thread.space_id)
        .select_related("user")[:MAX_MENTION_CANDIDATES]
    )


def _tell(*, message: Message, thread: Thread, author: Membership, previous: set[int]) -> None:
    """Store the message's mentions and tell the mentioned members (and, for a reply, the
    thread's author) who may read the space: its members, and in an open space any active
    member."""
    members = list(
        SpaceMember.objects.filter(space_id=thread.space_id, membership__is_active=True)
        .exclude(membership=author)
        .select_related("membership__user")
    )
    readers = {member.membership_id: member.membership for member in members}
    if thread.space.is_open:
        for reader in _open_space_readers(text=message.body, thread=thread, author=author):
            readers[reader.pk] = reader
    by_id = {member.membership_id: member for member in members}
    mentioned = mentioned_ids(message.body, mention_handles(readers.values()))
    mentioned &= set(readers)
    Mention.objects.filter(message=message).exclude(membership_id__in=mentioned).delete()
    Mention.objects.bulk_create(
        [
            Mention(organization_id=message.organization_id, message=message, membership_id=pk)
            for pk in sorted(mentioned)
        ],
        ignore_conflicts=True,
    )
    drafts = [
        NotificationDraft(
            membership=readers[pk],
            kind="community_mention",
            message=gettext_lazy("%(name)s mentioned you in “%(title)s”."),
            params={"name": str(author), "title": thread.title},
            url=_thread_url(thread, message),
        )
        for pk in sorted(mentioned - previous)
    ]
    starter = by_id.get(thread.author_id or 0)
    if (
        not message.opening
        and not previous
        and starter is not None
        and not starter.muted
        and starter.membership_id not in mentioned
    ):
        drafts.append(
            NotificationDraft(
                membership=starter.membership,
                kind="community_reply",
                message=gettext_lazy("%(name)s replied to “%(title)s”."),
                params={"name": str(author), "title": thread.title},
                url=_thread_url(thread, message),
            )
        )
    if drafts:
        notifications_create_many(drafts=drafts)


def thread_create(
    *,
    membership: Membership,
    space: Space,
    title: str,
    body: str,
    confirmed: bool = False,
    share: Share | None = None,
) -> Thread:
    """Start a thread (or, with `share`, a win). Raises `ComplianceStop` when a rule blocks
    the text, or warns and the member did not confirm."""
    _writer(membership, space)
    title = _clean_title(title)
    body = _clean_body(body)
    if share is not None and (
        share.organization_id != membership.organization_id
        or share.membership_id != membership.pk
        or share.status not in SHARED_STATUSES
    ):
        raise ValidationError({"share": [_("Choose one of your own shares.")]})
    message_require_compliant(
        organization=membership.organization, text=f"{title}\n{body}", confirmed=confirmed
    )
    now = timezone.now()
    with transaction.atomic():
        _writer(membership, space)
        thread = Thread.objects.create(
            organization_id=membership.organization_id,
            space=space,
            author=membership,
            kind=ThreadKind.WIN if share is not None else ThreadKind.DISCUSSION,
            title=title,
            share=share,
            last_activity_at=now,
            created_at=now,
        )
        message = Message.objects.create(
            organization_id=membership.organization_id,
            thread=thread,
            author=membership,
            opening=True,
            body=body,
            created_at=now,
        )
        ThreadRead.objects.create(
            organization_id=membership.organization_id,
            thread=thread,
            membership=membership,
            read_at=now,
        )
        _tell(message=message, thread=thread, author=membership, previous=set())
    return thread


def win_create(
    *, membership: Membership, space: Space, share: Share, title: str, body: str, confirmed: bool
) -> Thread:
    """ "A win": one of the member's own shares and what they think worked."""
    return thread_create(
        membership=membership,
        space=space,
        title=title,
        body=body,
        confirmed=confirmed,
        share=share,
    )


def reply_create(
    *, membership: Membership, thread: Thread, body: str, confirmed: bool = False
) -> Message:
    access = space_access(space=thread.space, membership=membership)
    if not access.can_read:
        raise PermissionDenied(_("This space is by invitation only."))
    if thread.is_locked:
        raise ValidationError(_("This thread is locked: no new replies."))
    body = _clean_body(body)
    message_require_compliant(organization=membership.organization, text=body, confirmed=confirmed)
    now = timezone.now()
    with transaction.atomic():
        _writer(membership, thread.space)
        message = Message.objects.create(
            organization_id=membership.organization_id,
            thread=thread,
            author=membership,
            body=body,
            created_at=now,
        )
        Thread.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=now
        )
        ThreadRead.objects.update_or_create(
            organization_id=membership.organization_id,
            thread=thread,
            membership=membership,
            defaults={"read_at": now},
        )
        _tell(message=message, thread=thread, author=membership, previous=set())
    return message


def can_edit(*, membership: Membership, message: Message) -> bool:
    return (
        message.author_id == membership.pk
        and not message.is_deleted
        and not message.is_hidden
        and timezone.now() - message.created_at <= timedelta(minutes=EDIT_WINDOW_MINUTES)
    )


def message_edit(
    *,
    membership: Membership,
    message: Message,
    body: str,
    title: str | None = None,
    confirmed: bool = False,
) -> Message:
    """The author changes their message within the edit window (it keeps an "edited" mark);
    the opening message's thread title may change with it."""
    if message.author_id != membership.pk:
        raise PermissionDenied(_("You may change only your own messages."))
    if not can_edit(membership=membership, message=message):
        raise ValidationError(
            _("A message may be changed for %(minutes)s minutes after it was written.")
            % {"minutes": EDIT_WINDOW_MINUTES}
        )
    thread = message.thread
    if not space_access(space=thread.space, membership=membership).can_write:
        raise ValidationError(_("This space is archived: nothing new can be written in it."))
    body = _clean_body(body)
    new_title = _clean_title(title) if title is not None and message.opening else None
    text = f"{new_title}\n{body}" if new_title is not None else body
    message_require_compliant(organization=membership.organization, text=text, confirmed=confirmed)
    previous = set(Mention.objects.filter(message=message).values_list("membership_id", flat=True))
    with transaction.atomic():
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        if new_title is not None:
            thread.title = new_title
            thread.save(update_fields=["title"])
        # Only the members newly mentioned are told (`previous` is never empty for a
        # reply's author notice, so a reply's edit does not tell the thread's author again).
        _tell(message=message, thread=thread, author=membership, previous=previous | {0})
    return message


def message_delete(*, membership: Membership, message: Message) -> Message:
    """The author deletes their message: its text is gone, "deleted" stays in its place."""
    if message.author_id != membership.pk:
        raise PermissionDenied(_("You may delete only your own messages."))
    if message.is_deleted:
        return message
    with transaction.atomic():
        message.body = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at"])
        Mention.objects.filter(message=message).delete()
        Reaction.objects.filter(message=message).delete()
    return message


def reaction_toggle(*, membership: Membership, message: Message, emoji: str) -> bool:
    """Add the reaction, or take it back when the member had left it. True when added."""
    if emoji not in REACTIONS:
        raise ValidationError(_("Choose one of the reactions."))
    access = space_access(space=message.thread.space, membership=membership)
    if not access.can_write:
        raise PermissionDenied(_("This space is by invitation only."))
    if message.is_deleted or message.is_hidden:
        raise ValidationError(_("This message cannot take reactions."))
    removed, _counts = Reaction.objects.filter(
        message=message, membership=membership, emoji=emoji
    ).delete()
    if removed:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(
                organization_id=membership.organization_id,
                message=message,
                membership=membership,
                emoji=emoji,
            )
    except IntegrityError:
        pass
    return True


def thread_mark_read(*, membership: Membership, thread: Thread) -> None:
    ThreadRead.objects.update_or_create(
        organization_id=membership.organization_id,
        thread=thread,
        membership=membership,
        defaults={"read_at": timezone.now()},
    )
