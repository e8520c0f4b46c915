"""The messages of the reach app, written for a batch of recipients at once.

Each composer gets the recipients the sender claimed together (a thousand members, or
None for an organization's channel) and reads what it needs for all of them in a few
queries: the posts, the targeting, the shares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Post
from chorus.notifications.messages import Action, Category, Item, Message
from chorus.notifications.models import DigestFrequency, Dispatch
from chorus.reach.links import share_link_for
from chorus.reach.selectors.posts import (
    excerpt,
    image_url,
    live_post,
    new_posts,
    post_url,
    share_dialog_url,
)
from chorus.reach.selectors.targeting import Targeting
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES

DIGEST_SIZE = 8


def _language(recipient: Membership | None) -> str:
    if recipient is None:
        return settings.LANGUAGE_CODE
    return recipient.user.language or settings.LANGUAGE_CODE


@contextmanager
def _in_language(recipient: Membership | None) -> Iterator[str]:
    language = _language(recipient)
    with translation.override(language):
        yield language


def _feed_url() -> str:
    return settings.SITE_URL + reverse("feed")


def _item(post: Post, membership_id: int | None) -> Item:
    """The post as an item, with this member's share link, or for an organization's channel
    the post's share dialog (the rest read once per post)."""
    base = _item_base(post)
    if membership_id is None:
        return replace(base, actions=(Action(_("Open to share"), share_dialog_url(post)),))
    link = share_link_for(membership_id=membership_id, post_id=post.pk)
    return replace(base, actions=(Action(_("Open to share"), link),))


def _item_base(post: Post) -> Item:
    cached: Item | None = getattr(post, "_reach_item", None)
    if cached is None:
        cached = Item(
            title=post.title,
            text=excerpt(post),
            url=post_url(post),
            image_url=image_url(post),
        )
        post._reach_item = cached  # type: ignore[attr-defined]
    return cached


def _organization(dispatch: Dispatch) -> Organization:
    return Organization.objects.get(pk=dispatch.organization_id)


def digest_compose(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    """Each member's new posts since the previous period, newest first, at most eight;
    None for a member with nothing new (no empty digests) and for organization channels."""
    daily = dispatch.params.get("frequency") == DigestFrequency.DAILY
    now = timezone.now()
    since = now - timedelta(days=1 if daily else 7)
    posts = new_posts(organization=_organization(dispatch), since=since, now=now)
    members = [recipient.pk for recipient in recipients if recipient is not None]
    targeting = Targeting(posts=posts, membership_ids=members)
    messages: list[Message | None] = []
    for recipient in recipients:
        if recipient is None or not posts:
            messages.append(None)
            continue
        mine = targeting.new_for(posts, recipient.pk)[:DIGEST_SIZE]
        if not mine:
            messages.append(None)
            continue
        with _in_language(recipient) as language:
            count = len(mine)
            if daily:
                subject = ngettext(
                    "%(count)s new post to share today",
                    "%(count)s new posts to share today",
                    count,
                ) % {"count": count}
            else:
                subject = ngettext(
                    "%(count)s new post to share this week",
                    "%(count)s new posts to share this week",
                    count,
                ) % {"count": count}
            messages.append(
                Message(
                    category=Category.DIGEST,
                    subject=subject,
                    intro=_(
                        "Here is what your communications team published for you. Share "
                        "what you like, in your own words; nothing is posted until you do."
                    ),
                    items=tuple(_item(post, recipient.pk) for post in mine),
                    url=_feed_url(),
                    actions=(Action(_("Open my feed"), _feed_url()),),
                    language=language,
                )
            )
    return messages


def _post_message(
    *,
    dispatch: Dispatch,
    recipients: Sequence[Membership | None],
    category: str,
    words: Callable[[str], tuple[str, str]],
) -> list[Message | None]:
    """A message about one post (the post of the day, an announcement), for the members
    it is targeted at who have not shared it; organization channels get it without links
    of anyone's."""
    organization = _organization(dispatch)
    # Sharing paused since it was queued: nothing about posts goes out.
    if organization.sharing_paused:
        return [None] * len(recipients)
    post_id = int(dispatch.params.get("post_id", 0))
    post = live_post(organization=organization, post_id=post_id, now=timezone.now())
    if post is None:
        return [None] * len(recipients)
    members = [recipient.pk for recipient in recipients if recipient is not None]
    targeting = Targeting(posts=[post], membership_ids=members)
    messages: list[Message | None] = []
    for recipient in recipients:
        # A pilot-first post is not told to an organization's channel (everyone reads it).
        if (recipient is None and targeting.is_pilot_first(post.pk)) or (
            recipient is not None
            and (
                not targeting.reaches(post.pk, recipient.pk)
                or targeting.has_shared(post.pk, recipient.pk)
            )
        ):
            messages.append(None)
            continue
        with _in_language(recipient) as language:
            subject, intro = words(post.title)
            messages.append(
                Message(
                    category=category,
                    subject=subject,
                    intro=intro,
                    items=(_item(post, recipient.pk if recipient is not None else None),),
                    url=post_url(post),
                    language=language,
                )
            )
    return messages


def post_of_the_day_compose(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    """The day's post."""
    return _post_message(
        dispatch=dispatch,
        recipients=recipients,
        category=Category.POST_OF_THE_DAY,
        words=lambda title: (
            _("Post of the day: %(title)s") % {"title": title},
            _("Today the team shares this together. Add it in your own words if you like it."),
        ),
    )


def announcement_compose(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    return _post_message(
        dispatch=dispatch,
        recipients=recipients,
        category=Category.ANNOUNCEMENT,
        words=lambda title: (
            _("New to share: %(title)s") % {"title": title},
            _("Your communications team would like you to see this post."),
        ),
    )


def new_post_compose(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    """A post for everyone that just went live, for the organization's channels."""
    return _post_message(
        dispatch=dispatch,
        recipients=recipients,
        category=Category.NEW_POST,
        words=lambda title: (
            _("New post: %(title)s") % {"title": title},
            _("Just published for everyone. Share it in your own words if you like it."),
        ),
    )


def nudge_compose(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    """A kind invitation to look at the feed; None for a member who shared meanwhile."""
    days = int(dispatch.params.get("days", 45))
    members = [recipient.pk for recipient in recipients if recipient is not None]
    recently = set(
        Share.objects.filter(
            membership_id__in=members,
            status__in=SHARED_STATUSES,
            created_at__gte=timezone.now() - timedelta(days=days),
        ).values_list("membership_id", flat=True)
    )
    messages: list[Message | None] = []
    for recipient in recipients:
        if recipient is None or recipient.pk in recently:
            messages.append(None)
            continue
        with _in_language(recipient) as language:
            messages.append(
                Message(
                    category=Category.NUDGE,
                    subject=_("There is something new in your feed"),
                    intro=_(
                        "Your colleagues in communications keep adding posts you can share "
                        "in your own words, whenever you like. Take a look when you have a "
                        "moment; there is nothing you have to do."
                    ),
                    url=_feed_url(),
                    actions=(Action(_("Open my feed"), _feed_url()),),
                    footer=_(
                        "We send this invitation at most once a month. You can stop it with "
                        "the link below or in your notification settings."
                    ),
                    language=language,
                )
            )
    return messages
