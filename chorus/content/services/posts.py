"""Posts: creation, editing, versions, the approval workflow, images, link previews."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from PIL import Image

from chorus.accounts.models import Group, Membership, Organization, User
from chorus.content.models import (
    Caption,
    CaptionMode,
    ContentPolicy,
    Network,
    Post,
    PostImage,
    PostState,
    PostTransition,
    PostVersion,
    PreviewStatus,
    Topic,
)
from chorus.content.preview import fetch_link_preview
from chorus.content.services import preview_images
from chorus.core.audit import audit_record
from chorus.core.http import FetchError
from chorus.core.images import EncodedImage, ImageRefused, image_encode, image_open
from chorus.core.validators import web_url_clean
from chorus.notifications.services.notifications import notification_create
from chorus.webhooks.services.events import absolute_url, webhook_emit

MAX_TOPICS = 20


@dataclass
class PostDetails:
    """What a curator sets on a post besides its text: mode, targeting, window and flags."""

    caption_mode: str = CaptionMode.EDITABLE
    target_all: bool = True
    target_groups: list[Group] = field(default_factory=list)
    topic_names: list[str] = field(default_factory=list)
    publish_start: datetime | None = None
    publish_end: datetime | None = None
    post_of_the_day: date | None = None
    requires_certification: bool = False
    # Pilot first: until then only the pilot cohort's members of the audience see the post.
    pilot_until: datetime | None = None


def post_details(post: Post) -> PostDetails:
    """The post's current details, to change some of them and hand them to post_update."""
    return PostDetails(
        caption_mode=post.caption_mode,
        target_all=post.target_all,
        target_groups=list(post.target_groups.all()),
        topic_names=[topic.name for topic in post.topics.all()],
        publish_start=post.publish_start,
        publish_end=post.publish_end,
        post_of_the_day=post.post_of_the_day,
        requires_certification=post.requires_certification,
        pilot_until=post.pilot_until,
    )


def _topic_names(names: Iterable[str]) -> list[str]:
    """Names without extra spaces or case-insensitive duplicates, in the order given."""
    seen: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())


def _check_details(*, organization: Organization, details: PostDetails, post: Post | None) -> None:
    errors: dict[str, str] = {}
    if details.caption_mode not in CaptionMode.values:
        errors["caption_mode"] = _("Choose a caption mode.")
    start, end = details.publish_start, details.publish_end
    if start is not None and end is not None and end <= start:
        errors["publish_end"] = _("The publish window must end after it starts.")
    pilot_until = details.pilot_until
    if pilot_until is not None and end is not None and pilot_until >= end:
        errors["pilot_until"] = _("Everyone should get the post before its window ends.")
    if not details.target_all and not details.target_groups:
        errors["target_groups"] = _("Choose at least one group, or target all members.")
    if any(group.organization_id != organization.pk for group in details.target_groups):
        errors["target_groups"] = _("Unknown group.")
    names = _topic_names(details.topic_names)
    if len(names) > MAX_TOPICS:
        errors["topics"] = _("A post can have at most %(count)s topics.") % {"count": MAX_TOPICS}
    elif any(len(name) > 60 for name in names):
        errors["topics"] = _("A topic name can be at most 60 characters long.")
    if details.post_of_the_day is not None:
        other = _post_of_the_day(organization, details.post_of_the_day, post)
        if other is not None:
            errors["post_of_the_day"] = _(
                "“%(title)s” is already the post of the day on %(day)s."
            ) % {
                "title": other.title,
                # Translators: a date format (see Django's date filter): "04 December 2026".
                "day": date_format(details.post_of_the_day, pgettext("date format", "d F Y")),
            }
    if errors:
        raise ValidationError(errors)


def _post_of_the_day(organization: Organization, day: date, post: Post | None) -> Post | None:
    others = Post.objects.filter(organization=organization, post_of_the_day=day)
    if post is not None:
        others = others.exclude(pk=post.pk)
    return others.first()


def _apply_scalar_details(post: Post, details: PostDetails) -> None:
    post.caption_mode = details.caption_mode
    post.target_all = details.target_all
    post.publish_start = details.publish_start
    post.publish_end = details.publish_end
    post.post_of_the_day = details.post_of_the_day
    post.requires_certification = details.requires_certification
    post.pilot_until = details.pilot_until


def _apply_relations(post: Post, details: PostDetails) -> None:
    post.target_groups.set([] if details.target_all else details.target_groups)
    topics = []
    for name in _topic_names(details.topic_names):
        topic = Topic.objects.filter(organization=post.organization, name__iexact=name).first()
        if topic is None:
            topic = Topic.objects.create(organization=post.organization, name=name)
        topics.append(topic)
    post.topics.set(topics)


def _save_unique(post: Post, *, fields: list[str] | None) -> None:
    """Save; a post of the day taken by a concurrent request is a clear refusal, not a 500."""
    try:
        with transaction.atomic():
            post.save(update_fields=fields)
    except IntegrityError as error:
        if post.post_of_the_day is not None:
            raise ValidationError(
                {
                    "post_of_the_day": _(
                        "Another post just became the post of the day for that date."
                    )
                }
            ) from error
        raise


def _clean_link(link_url: str) -> str:
    """The post's link: a web address (or none), refused under its field otherwise."""
    try:
        return web_url_clean(link_url, blank=True)
    except ValidationError as error:
        raise ValidationError({"link_url": error.messages}) from None


def _clean_captions(captions: Mapping[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for network, text in (captions or {}).items():
        if network not in Network.values:
            raise ValidationError(_("Unknown network: %(network)s.") % {"network": network})
        if text and text.strip():
            cleaned[network] = text.strip()
    return cleaned


def post_snapshot_version(*, post: Post, actor: User | None) -> PostVersion:
    """Record what the post says now as its next version (the post's history).

    Its audience, window and images too: what an approver compares with the version they
    approved before.
    """
    # From the database, not a prefetched (possibly stale) post.captions.
    captions = {caption.network: caption.text for caption in Caption.objects.filter(post=post)}
    groups = (
        []
        if post.target_all
        else list(Group.objects.filter(targeted_posts=post).order_by("kind", "name"))
    )
    return PostVersion.objects.create(
        post=post,
        number=post.version,
        title=post.title,
        commentary=post.commentary,
        link_url=post.link_url,
        captions=captions,
        details_recorded=True,
        target_all=post.target_all,
        # The kind's code, not its label: a label is in the language of whoever saved.
        target_groups=[
            {"id": group.pk, "kind": group.kind, "name": group.name} for group in groups
        ],
        publish_start=post.publish_start,
        publish_end=post.publish_end,
        images=[
            {"id": image.pk, "name": image.image.name, "alt_text": image.alt_text}
            for image in PostImage.objects.filter(post=post).order_by("position", "id")
        ],
        created_by=actor,
    )


@transaction.atomic
def post_create(
    *,
    organization: Organization,
    actor: User | None,
    title: str,
    commentary: str = "",
    link_url: str = "",
    captions: Mapping[str, str] | None = None,
    suggested_by: Membership | None = None,
    campaign: str = "",
    details: PostDetails | None = None,
    images: Sequence[tuple[UploadedFile, str]] = (),
) -> Post:
    """Create a draft post (version 1); its link preview is fetched once committed.

    `details` carries everything else a curator sets on the form (targeting, window, ...).
    `images` are (file, alt text) pairs, part of version 1.
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("A post needs a title.")})
    link_url = _clean_link(link_url)
    cleaned = _clean_captions(captions)
    details = details or PostDetails()
    _check_details(organization=organization, details=details, post=None)
    post = Post(
        organization=organization,
        title=title[:200],
        commentary=commentary.strip(),
        link_url=link_url,
        preview_status=PreviewStatus.PENDING if link_url else PreviewStatus.NONE,
        suggested_by=suggested_by,
        campaign=campaign.strip()[:100],
        created_by=actor,
    )
    _apply_scalar_details(post, details)
    _save_unique(post, fields=None)
    Caption.objects.bulk_create(
        Caption(post=post, network=network, text=text) for network, text in cleaned.items()
    )
    _apply_relations(post, details)
    for upload, alt_text in images:
        post_image_add(post=post, actor=actor, upload=upload, alt_text=alt_text)
    post_snapshot_version(post=post, actor=actor)
    audit_record(organization=organization, actor=actor, action="post.created", target=post)
    if post.link_url:
        post_schedule_preview(post=post)
    return post


def post_schedule_preview(*, post: Post) -> None:
    from chorus.content.tasks import post_fetch_preview

    post_id = post.pk
    transaction.on_commit(lambda: post_fetch_preview.enqueue(post_id=post_id))


def post_update_preview(*, post_id: int) -> str:
    """Fetch the link preview of a post and store it, or store why it failed."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None or not post.link_url:
        return "no link"
    url = post.link_url
    fields: dict[str, object]
    try:
        preview = fetch_link_preview(url)
    except FetchError as error:
        fields = {"preview_status": PreviewStatus.FAILED, "preview_error": str(error)[:300]}
    else:
        fields = {
            "preview_status": PreviewStatus.OK,
            "preview_error": "",
            "preview_title": preview.title,
            "preview_description": preview.description,
            "preview_image_url": preview.image_url,
            "preview_canonical_url": preview.canonical_url,
            "preview_site_name": preview.site_name,
        }
        # Its image too, stored by us (a failure keeps the preview, without an image).
        fields.update(preview_images.preview_image_fields(post=post, image_url=preview.image_url))
    fields["preview_fetched_at"] = timezone.now()
    # The link may have changed while we fetched: only store a preview of the current link.
    with transaction.atomic():
        saved = Post.objects.filter(pk=post_id, link_url=url).update(**fields) > 0
        preview_images.preview_image_settle(before=post, fields=fields, saved=saved)
    return str(fields["preview_status"])


# Editing ------------------------------------------------------------------------------

# States in which a post has been approved: editing it sends it back to review.
APPROVED_STATES = (PostState.APPROVED, PostState.SCHEDULED, PostState.LIVE, PostState.EXPIRED)
SCALAR_FIELDS = [
    "title",
    "commentary",
    "link_url",
    "campaign",
    "caption_mode",
    "target_all",
    "publish_start",
    "publish_end",
    "post_of_the_day",
    "requires_certification",
    "pilot_until",
]


def _content_of(post: Post) -> dict[str, Any]:
    """Everything an edit can change, to tell whether it changed anything."""
    content = {name: getattr(post, name) for name in SCALAR_FIELDS}
    content["captions"] = {caption.network: caption.text for caption in post.captions.all()}
    content["target_groups"] = sorted(group.pk for group in post.target_groups.all())
    content["topics"] = sorted(topic.name.casefold() for topic in post.topics.all())
    if post.target_all:
        content["target_groups"] = []
    return content


@transaction.atomic
def post_update(
    *,
    post: Post,
    actor: User | None,
    title: str,
    commentary: str,
    link_url: str,
    captions: Mapping[str, str] | None,
    campaign: str,
    details: PostDetails,
    images: Sequence[tuple[UploadedFile, str]] = (),
) -> bool:
    """Save an edit as the post's next version. Returns False when nothing changed.

    A post that was approved (or scheduled, live, expired) goes back to review.
    `images` are (file, alt text) pairs, already checked with post_image_validate.
    """
    _lock(post)
    if post.state == PostState.ARCHIVED:
        raise ValidationError(_("An archived post can't be edited."))
    title = " ".join(title.split())[:200]
    if not title:
        raise ValidationError({"title": _("A post needs a title.")})
    link_url = _clean_link(link_url)
    cleaned = _clean_captions(captions)
    _check_details(organization=post.organization, details=details, post=post)
    before = _content_of(post)
    after = {
        "title": title,
        "commentary": commentary.strip(),
        "link_url": link_url,
        "campaign": campaign.strip()[:100],
        "caption_mode": details.caption_mode,
        "target_all": details.target_all,
        "publish_start": details.publish_start,
        "publish_end": details.publish_end,
        "post_of_the_day": details.post_of_the_day,
        "requires_certification": details.requires_certification,
        "pilot_until": details.pilot_until,
        "captions": cleaned,
        "target_groups": [] if details.target_all else sorted(g.pk for g in details.target_groups),
        "topics": sorted(name.casefold() for name in _topic_names(details.topic_names)),
    }
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed and not images:
        return False
    link_changed = after["link_url"] != before["link_url"]
    for name in SCALAR_FIELDS:
        setattr(post, name, after[name])
    post.version += 1
    update_fields = [*SCALAR_FIELDS, "version", "updated_at"]
    if link_changed:
        update_fields += _reset_preview(post)
    _save_unique(post, fields=update_fields)
    post.captions.exclude(network__in=list(cleaned)).delete()
    for network, text in cleaned.items():
        Caption.objects.update_or_create(post=post, network=network, defaults={"text": text})
    _apply_relations(post, details)
    for upload, alt_text in images:
        post_image_add(post=post, actor=actor, upload=upload, alt_text=alt_text)
    post_snapshot_version(post=post, actor=actor)
    audit_record(
        organization=post.organization,
        actor=actor,
        action="post.updated",
        target=post,
        data={"version": post.version, "changed": changed, "images_added": len(images)},
    )
    if link_changed and post.link_url:
        post_schedule_preview(post=post)
    if post.state in APPROVED_STATES:
        post.submitted_by = actor
        post.approved_by = None
        _transition(
            post,
            to_state=PostState.IN_REVIEW,
            actor=actor,
            reason="edited after approval",
            action="post.returned_to_review",
            fields=["submitted_by", "approved_by"],
        )
    return True


def _reset_preview(post: Post) -> list[str]:
    post.preview_status = PreviewStatus.PENDING if post.link_url else PreviewStatus.NONE
    post.preview_error = post.preview_title = post.preview_description = ""
    post.preview_image_url = post.preview_canonical_url = post.preview_site_name = ""
    post.preview_fetched_at = None
    return [
        *preview_images.preview_image_clear(post),
        "preview_status",
        "preview_error",
        "preview_title",
        "preview_description",
        "preview_image_url",
        "preview_canonical_url",
        "preview_site_name",
        "preview_fetched_at",
    ]


@transaction.atomic
def post_captions_set(*, post: Post, actor: User | None, captions: Mapping[str, str]) -> bool:
    """Replace the captions only (the API's PUT); the rest of the post stays as it is."""
    return post_update(
        post=post,
        actor=actor,
        title=post.title,
        commentary=post.commentary,
        link_url=post.link_url,
        captions=captions,
        campaign=post.campaign,
        details=post_details(post),
    )


# Workflow -----------------------------------------------------------------------------


def _lock(post: Post) -> None:
    """Reload the post's state under a row lock, so two transitions can't both pass a check.

    Must run inside transaction.atomic.
    """
    locked = Post.objects.select_for_update().only("state").get(pk=post.pk)
    post.state = locked.state


def _transition(
    post: Post,
    *,
    to_state: str,
    actor: User | None,
    action: str,
    reason: str = "",
    fields: Sequence[str] = (),
) -> PostTransition:
    from_state = post.state
    post.state = to_state
    post.save(update_fields=["state", *fields, "updated_at"])
    transition = PostTransition.objects.create(
        post=post,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        version=post.version,
    )
    audit_record(
        organization=post.organization,
        actor=actor,
        action=action,
        target=post,
        data={"from": from_state, "to": to_state, "reason": reason},
    )
    if to_state == PostState.LIVE and from_state != PostState.LIVE:
        webhook_emit(
            organization=post.organization_id,
            event_type="post.published",
            data={
                "post": {
                    "id": post.pk,
                    "title": post.title,
                    "link_url": post.link_url or None,
                    "url": absolute_url(reverse("post_detail", args=[post.pk])),
                },
                "published_at": timezone.now().isoformat(),
            },
        )
    return transition


# A post's state within a sentence ("…; this one is live."), lower case in English.
_STATE_IN_SENTENCE = {
    PostState.DRAFT: pgettext_lazy("post state in a sentence", "draft"),
    PostState.IN_REVIEW: pgettext_lazy("post state in a sentence", "in review"),
    PostState.APPROVED: pgettext_lazy("post state in a sentence", "approved"),
    PostState.REJECTED: pgettext_lazy("post state in a sentence", "rejected"),
    PostState.SCHEDULED: pgettext_lazy("post state in a sentence", "scheduled"),
    PostState.LIVE: pgettext_lazy("post state in a sentence", "live"),
    PostState.EXPIRED: pgettext_lazy("post state in a sentence", "expired"),
    PostState.ARCHIVED: pgettext_lazy("post state in a sentence", "archived"),
}
# What each action needs, said whole so that it can be translated whole.
_REQUIRED_STATE = {
    "submit": gettext_lazy(
        "Only a post that is draft or rejected can be submitted for review; this one is %(state)s."
    ),
    "approve": gettext_lazy(
        "Only a post that is in review can be approved; this one is %(state)s."
    ),
    "reject": gettext_lazy("Only a post that is in review can be rejected; this one is %(state)s."),
    "publish": gettext_lazy(
        "Only a post that is approved can be published; this one is %(state)s."
    ),
    "archive": gettext_lazy(
        "Only a post that is approved or scheduled or live or expired can be archived; this one "
        "is %(state)s."
    ),
}


def post_state_in_sentence(state: str) -> str:
    """The state as a sentence names it ("…; this one is live."), in the active language."""
    return str(_STATE_IN_SENTENCE[PostState(state)])


def _require_state(post: Post, allowed: Iterable[str], action: str) -> None:
    """Refuse `action` (a key of _REQUIRED_STATE) unless the post is in one of `allowed`."""
    if post.state not in list(allowed):
        state = post_state_in_sentence(post.state)
        raise ValidationError(str(_REQUIRED_STATE[action]) % {"state": state})


def _notify_author(post: Post, *, kind: str, message: Promise, params: dict[str, str]) -> None:
    """Tell the post's author, in their own language (message is lazy, with its params)."""

    author = post.submitted_by or post.created_by
    if author is None:
        return
    membership = Membership.objects.filter(organization=post.organization, user=author).first()
    if membership is not None:
        # The management page for those who manage posts; the member's page for the others.
        manages = membership.has_role("curator", "approver")
        url = reverse("post_detail" if manages else "feed_post", kwargs={"post_id": post.pk})
        notification_create(
            membership=membership, kind=kind, message=message, params=params, url=url
        )


@transaction.atomic
def post_submit(*, post: Post, actor: User | None) -> PostTransition:
    """Send a draft (or a rejected post) to the approvers; refused while a caption is blocked."""
    from chorus.content.selectors.posts import post_caption_checks

    _lock(post)
    _require_state(post, [PostState.DRAFT, PostState.REJECTED], "submit")
    problems = [
        f"{Network(network).label}: {finding.message}"
        for network, result in post_caption_checks(post=post).items()
        for finding in result.findings
        if finding.action == "block"
    ]
    if problems:
        raise ValidationError([_("Fix these captions before submitting:"), *problems])
    post.submitted_by = actor
    post.rejection_reason = ""
    return _transition(
        post,
        to_state=PostState.IN_REVIEW,
        actor=actor,
        action="post.submitted",
        fields=["submitted_by", "rejection_reason"],
    )


def post_last_editor(post: Post) -> User | None:
    latest = post.versions.order_by("-number").select_related("created_by").first()
    return latest.created_by if latest is not None else None


def _is_author(post: Post, user: User) -> bool:
    authors = {post.created_by_id, post.submitted_by_id}
    last_editor = post_last_editor(post)
    if last_editor is not None:
        authors.add(last_editor.pk)
    return user.pk in authors


def post_approval_refused_to(*, post: Post, user: User) -> bool:
    """Whether the policy keeps `user` from approving `post`: they wrote, edited or
    submitted it, and nobody approves their own post."""
    policy = ContentPolicy.objects.filter(organization=post.organization).first()
    if policy is not None and not policy.require_other_approver:
        return False
    return _is_author(post, user)


def post_publishes_on_approval(*, organization: Organization) -> bool:
    """Whether approving a post publishes it (the organization's content policy)."""
    policy = ContentPolicy.objects.filter(organization=organization).first()
    return policy is not None and policy.publish_on_approval


def post_window_over(post: Post) -> bool:
    """Whether the post's publish window has already ended: it can't be published."""
    return post.publish_end is not None and post.publish_end <= timezone.now()


@transaction.atomic
def post_approve(*, post: Post, actor: User, publish: bool = False) -> PostTransition:
    """Approve a post in review (the caller checked that `actor` is an approver).

    With `publish` (the approver's "Approve and publish"), or when the organization's
    policy publishes on approval, the post is then published as post_publish does: live
    now, or scheduled until its window starts. An asked-for publish whose window is over
    is refused as a whole; the policy's publish is skipped then and the post stays
    approved. Returns the last transition.
    """
    _lock(post)
    _require_state(post, [PostState.IN_REVIEW], "approve")
    policy, _created = ContentPolicy.objects.get_or_create(organization=post.organization)
    if policy.require_other_approver and _is_author(post, actor):
        raise ValidationError(
            _("You wrote, edited or submitted this post: another approver must approve it.")
        )
    window_over = post_window_over(post)
    if publish and window_over:
        raise ValidationError(_window_over_message())
    post.approved_by = actor
    transition = _transition(
        post,
        to_state=PostState.APPROVED,
        actor=actor,
        action="post.approved",
        fields=["approved_by"],
    )
    if (publish or policy.publish_on_approval) and not window_over:
        # Stored in the history as written (like the other transitions' reasons).
        reason = "approved and published" if publish else "published on approval"
        transition = _publish(post, actor=actor, reason=reason)
    _notify_author(
        post, kind="post_approved", message=_approved_message(post), params={"title": post.title}
    )
    return transition


def _approved_message(post: Post) -> Promise:
    if post.state == PostState.LIVE:
        return gettext_lazy("Your post “%(title)s” was approved and is live.")
    if post.state == PostState.SCHEDULED:
        return gettext_lazy(
            "Your post “%(title)s” was approved and is scheduled: it goes live when its "
            "window starts."
        )
    return gettext_lazy("Your post “%(title)s” was approved.")


@transaction.atomic
def post_reject(*, post: Post, actor: User, reason: str) -> PostTransition:
    _lock(post)
    _require_state(post, [PostState.IN_REVIEW], "reject")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the post is rejected, so it can be fixed.")})
    post.rejection_reason = reason[:2000]
    transition = _transition(
        post,
        to_state=PostState.REJECTED,
        actor=actor,
        action="post.rejected",
        reason=reason[:2000],
        fields=["rejection_reason"],
    )
    _notify_author(
        post,
        kind="post_rejected",
        message=gettext_lazy("Your post “%(title)s” was rejected: %(reason)s"),
        params={"title": post.title, "reason": reason},
    )
    return transition


def _window_over_message() -> str:
    return _("The publish window is already over; change its end before publishing.")


@transaction.atomic
def post_publish(*, post: Post, actor: User | None) -> PostTransition:
    """An approved post goes live now, or is scheduled until its window starts."""
    _lock(post)
    _require_state(post, [PostState.APPROVED], "publish")
    if post_window_over(post):
        raise ValidationError(_window_over_message())
    return _publish(post, actor=actor)


def _publish(post: Post, *, actor: User | None, reason: str = "") -> PostTransition:
    """Publish an approved post whose window is not over. Must run inside
    transaction.atomic, the post locked (_lock)."""
    now = timezone.now()
    if post.publish_start is not None and post.publish_start > now:
        return _transition(
            post, to_state=PostState.SCHEDULED, actor=actor, action="post.scheduled", reason=reason
        )
    if post.publish_start is None:
        # "As soon as published": the window starts now, so calendars and feeds can order it.
        post.publish_start = now
        post.save(update_fields=["publish_start"])
    return _transition(
        post, to_state=PostState.LIVE, actor=actor, action="post.published", reason=reason
    )


@transaction.atomic
def post_archive(*, post: Post, actor: User | None, reason: str = "") -> PostTransition:
    """Content's part of chorus.actions.posts.post_archive (which also cancels the post's
    pending shares): pages and the API call that."""
    _lock(post)
    _require_state(post, APPROVED_STATES, "archive")
    transition = _transition(
        post,
        to_state=PostState.ARCHIVED,
        actor=actor,
        action="post.archived",
        reason=reason.strip()[:2000],
    )
    # Its pending shares are cancelled by the cross-app action (chorus.actions.posts).
    return transition


def posts_advance_schedule(*, batch_size: int = 200) -> dict[str, int]:
    """Scheduled posts whose window started go live; live posts whose window ended expire.

    Idempotent: each post moves under a conditional update, so a second run (or a
    concurrent one) finds nothing left to do.
    """
    now = timezone.now()
    went_live = _advance(
        Post.objects.filter(state=PostState.SCHEDULED, publish_start__lte=now),
        from_state=PostState.SCHEDULED,
        to_state=PostState.LIVE,
        reason="the publish window started",
        batch_size=batch_size,
    )
    expired = _advance(
        Post.objects.filter(state=PostState.LIVE, publish_end__lte=now),
        from_state=PostState.LIVE,
        to_state=PostState.EXPIRED,
        reason="the publish window ended",
        batch_size=batch_size,
    )
    return {"went_live": went_live, "expired": expired}


def _advance(posts: Any, *, from_state: str, to_state: str, reason: str, batch_size: int) -> int:
    moved = 0
    while True:
        # Every id of a batch leaves the queryset (moved here or by someone else): this ends.
        ids = list(posts.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return moved
        for post_id in ids:
            with transaction.atomic():
                if not Post.objects.filter(pk=post_id, state=from_state).update(
                    state=to_state, updated_at=timezone.now()
                ):
                    continue
                post = Post.objects.select_related("organization").get(pk=post_id)
                PostTransition.objects.create(
                    post=post,
                    from_state=from_state,
                    to_state=to_state,
                    actor=None,
                    reason=reason,
                    version=post.version,
                )
                audit_record(
                    organization=post.organization,
                    actor=None,
                    action=f"post.{to_state}",
                    target=post,
                    data={"from": from_state, "to": to_state, "reason": reason},
                )
                moved += 1


# Images -------------------------------------------------------------------------------

# How a curator's upload is stored: photographs stay JPEG and graphics PNG; WebP and GIF
# (first frame) become JPEG, or PNG when they have transparency, which every network's
# image upload takes. At most this many pixels on the longer side (the networks' largest).
POST_IMAGE_MAX_SIDE = 4096
POST_IMAGE_QUALITY = 90


def _post_image_open(upload: UploadedFile) -> Image.Image:
    """The upload, decoded by core.images (size, type, SVG, pixel and bomb checks);
    ValidationError naming the file when it is not a picture we take."""
    name = upload.name or _("The file")
    try:
        upload.seek(0)
        return image_open(upload.read(), name=name)
    except ImageRefused as error:
        raise ValidationError(str(error)) from error
    finally:
        upload.seek(0)


def post_image_validate(upload: UploadedFile) -> str:
    """The image's format; ValidationError naming the file when it is not one we accept."""
    with _post_image_open(upload) as image:
        return image.format or ""


def _post_image_encode(image: Image.Image) -> EncodedImage:
    kept = {"JPEG": "JPEG", "PNG": "PNG"}.get(image.format or "")
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image_encode(
        image,
        max_width=POST_IMAGE_MAX_SIDE,
        max_height=POST_IMAGE_MAX_SIDE,
        image_format=kept or ("PNG" if transparent else "JPEG"),
        quality=POST_IMAGE_QUALITY,
    )


@transaction.atomic
def post_image_add(
    *, post: Post, actor: User | None, upload: UploadedFile, alt_text: str = ""
) -> PostImage:
    """Store a new picture for the post: a new file Pillow wrote from the upload (upright,
    without EXIF, GPS or other metadata, at most POST_IMAGE_MAX_SIDE pixels a side)."""
    with _post_image_open(upload) as opened:
        encoded = _post_image_encode(opened)
    last = post.images.order_by("-position").first()
    image = PostImage(
        post=post,
        alt_text=alt_text.strip()[:500],
        position=last.position + 1 if last else 0,
        width=encoded.width,
        height=encoded.height,
    )
    # Stored under the field's own path, its sizes taken from the encoder (not read back).
    field = PostImage._meta.get_field("image")
    name = field.generate_filename(image, f"{uuid.uuid4().hex}.{encoded.extension}")  # type: ignore[attr-defined]
    image.image.name = image.image.storage.save(name, ContentFile(encoded.content))
    image.save()
    audit_record(
        organization=post.organization,
        actor=actor,
        action="post.image_added",
        target=post,
        data={"image_id": image.pk},
    )
    return image


def post_image_update(*, image: PostImage, actor: User | None, alt_text: str) -> None:
    image.alt_text = alt_text.strip()[:500]
    image.save(update_fields=["alt_text"])
    audit_record(
        organization=image.post.organization,
        actor=actor,
        action="post.image_updated",
        target=image.post,
        data={"image_id": image.pk},
    )


def post_image_delete(*, image: PostImage, actor: User | None) -> None:
    post = image.post
    image_id = image.pk
    name = image.image.name
    image.delete()
    storage = image.image.storage
    if name:
        # Remove the file only once the row is gone for good.
        transaction.on_commit(lambda: storage.delete(name))
    audit_record(
        organization=post.organization,
        actor=actor,
        action="post.image_deleted",
        target=post,
        data={"image_id": image_id},
    )
