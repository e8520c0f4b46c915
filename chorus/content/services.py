"""Every write in content with a side effect: one function per business action."""

from __future__ import annotations

import functools
import logging
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from chorus.accounts.models import Group, Membership, Organization, User
from chorus.content.compliance import fold_term, normalize_domain, url_host
from chorus.content.feeds import (
    FeedEntry,
    FeedError,
    FeedResponse,
    discover_feed,
    fetch_feed,
    poll_interval_minutes,
    summary_text,
)
from chorus.content.models import (
    Caption,
    CaptionMode,
    ComplianceRule,
    ContentPolicy,
    ItemStatus,
    Network,
    Post,
    PostImage,
    PostState,
    PostTransition,
    PostVersion,
    PreviewStatus,
    RuleAction,
    RuleKind,
    Source,
    SourceItem,
    Suggestion,
    SuggestionStatus,
    Topic,
)
from chorus.content.preview import fetch_link_preview
from chorus.core.audit import audit_record
from chorus.core.http import FetchError
from chorus.notifications.services import notification_create

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
        errors["caption_mode"] = "Choose a caption mode."
    start, end = details.publish_start, details.publish_end
    if start is not None and end is not None and end <= start:
        errors["publish_end"] = "The publish window must end after it starts."
    if not details.target_all and not details.target_groups:
        errors["target_groups"] = "Choose at least one group, or target all members."
    if any(group.organization_id != organization.pk for group in details.target_groups):
        errors["target_groups"] = "Unknown group."
    names = _topic_names(details.topic_names)
    if len(names) > MAX_TOPICS:
        errors["topics"] = f"A post can have at most {MAX_TOPICS} topics."
    elif any(len(name) > 60 for name in names):
        errors["topics"] = "A topic name can be at most 60 characters long."
    if details.post_of_the_day is not None:
        other = _post_of_the_day(organization, details.post_of_the_day, post)
        if other is not None:
            errors["post_of_the_day"] = (
                f"“{other.title}” is already the post of the day on "
                f"{details.post_of_the_day:%d %B %Y}."
            )
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
                {"post_of_the_day": "Another post just became the post of the day for that date."}
            ) from error
        raise


def _clean_captions(captions: Mapping[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for network, text in (captions or {}).items():
        if network not in Network.values:
            raise ValidationError(f"Unknown network: {network}.")
        if text and text.strip():
            cleaned[network] = text.strip()
    return cleaned


def post_snapshot_version(*, post: Post, actor: User | None) -> PostVersion:
    """Record what the post says now as its next version (the post's history)."""
    # From the database, not a prefetched (possibly stale) post.captions.
    captions = {caption.network: caption.text for caption in Caption.objects.filter(post=post)}
    return PostVersion.objects.create(
        post=post,
        number=post.version,
        title=post.title,
        commentary=post.commentary,
        link_url=post.link_url,
        captions=captions,
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
) -> Post:
    """Create a draft post (version 1); its link preview is fetched once committed.

    `details` carries everything else a curator sets on the form (targeting, window, ...).
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "A post needs a title."})
    cleaned = _clean_captions(captions)
    details = details or PostDetails()
    _check_details(organization=organization, details=details, post=None)
    post = Post(
        organization=organization,
        title=title[:200],
        commentary=commentary.strip(),
        link_url=link_url.strip(),
        preview_status=PreviewStatus.PENDING if link_url.strip() else PreviewStatus.NONE,
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
    fields["preview_fetched_at"] = timezone.now()
    # The link may have changed while we fetched: only store a preview of the current link.
    Post.objects.filter(pk=post_id, link_url=url).update(**fields)
    return str(fields["preview_status"])


# Employee suggestions ---------------------------------------------------------------

SUGGESTION_REASON_MAX_LENGTH = 1000
SUGGESTION_DECLINE_MAX_LENGTH = 1000
_suggestion_url_validator = URLValidator(schemes=["http", "https"])


def suggestion_clean_url(url: str) -> str:
    """A web link (http or https only: never javascript:, data: or a file), or a refusal."""
    url = url.strip()
    if not url:
        raise ValidationError("Enter the link you suggest.")
    if len(url) > 2000:
        raise ValidationError("That link is too long (2,000 characters at most).")
    try:
        _suggestion_url_validator(url)
    except ValidationError:
        raise ValidationError("Enter a web link starting with http:// or https://.") from None
    return url


def _suggestion_clean_text(text: str, *, max_length: int, missing: str) -> str:
    text = text.replace("\x00", "").strip()
    if not text:
        raise ValidationError(missing)
    if len(text) > max_length:
        raise ValidationError(f"Please keep it under {max_length:,} characters.")
    return text


def suggestion_create(*, membership: Membership, url: str, reason: str) -> Suggestion:
    """A member suggests a link for the communications team, saying why it matters."""
    # Suggesting is an advocacy action: only members who joined (and stayed) may do it.
    if not membership.is_advocate:
        raise PermissionDenied("Join the advocacy program to suggest content.")
    url = suggestion_clean_url(url)
    reason = _suggestion_clean_text(
        reason, max_length=SUGGESTION_REASON_MAX_LENGTH, missing="Tell us why it matters."
    )
    pending = Suggestion.objects.filter(
        membership=membership, url=url, status=SuggestionStatus.PENDING
    )
    if pending.exists():
        raise ValidationError(
            "You already suggested this link; a curator will look at it soon. Thank you!"
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
    return f"Suggested: {readable}"[:200]


def _suggestion_decide(
    *, suggestion: Suggestion, actor: User, status: str, **fields: object
) -> None:
    """Record the decision, unless someone decided first (then refuse and roll back)."""
    decided = Suggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=timezone.now(), **fields
    )
    if not decided:
        raise ValidationError("This suggestion was already decided.")
    suggestion.refresh_from_db()


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, actor: User, title: str = "") -> Post:
    """Turn a suggestion into a draft post credited to the member who suggested it."""
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError("This suggestion was already decided.")
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
        message=f"Your suggestion {_shorten(suggestion.url)} was accepted and will become a post. "
        "Thank you!",
        url=reverse("my_suggestions"),
    )
    return post


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, actor: User, reason: str) -> Suggestion:
    """Decline a suggestion; the member is told why."""
    reason = _suggestion_clean_text(
        reason,
        max_length=SUGGESTION_DECLINE_MAX_LENGTH,
        missing="Say why the suggestion is declined: the member will read it.",
    )
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError("This suggestion was already decided.")
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
        message=f"Your suggestion {_shorten(suggestion.url)} was declined: {reason}",
        url=reverse("my_suggestions"),
    )
    return suggestion


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
        raise ValidationError("An archived post can't be edited.")
    title = " ".join(title.split())[:200]
    if not title:
        raise ValidationError({"title": "A post needs a title."})
    cleaned = _clean_captions(captions)
    _check_details(organization=post.organization, details=details, post=post)
    before = _content_of(post)
    after = {
        "title": title,
        "commentary": commentary.strip(),
        "link_url": link_url.strip(),
        "campaign": campaign.strip()[:100],
        "caption_mode": details.caption_mode,
        "target_all": details.target_all,
        "publish_start": details.publish_start,
        "publish_end": details.publish_end,
        "post_of_the_day": details.post_of_the_day,
        "requires_certification": details.requires_certification,
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
        post=post, from_state=from_state, to_state=to_state, actor=actor, reason=reason
    )
    audit_record(
        organization=post.organization,
        actor=actor,
        action=action,
        target=post,
        data={"from": from_state, "to": to_state, "reason": reason},
    )
    return transition


def _require_state(post: Post, allowed: Iterable[str], doing: str) -> None:
    allowed = list(allowed)
    if post.state not in allowed:
        labels = " or ".join(PostState(state).label.lower() for state in allowed)
        raise ValidationError(
            f"Only a post that is {labels} can be {doing}; this one is "
            f"{PostState(post.state).label.lower()}."
        )


def _notify_author(post: Post, *, kind: str, message: str) -> None:
    from django.urls import reverse

    author = post.submitted_by or post.created_by
    if author is None:
        return
    membership = Membership.objects.filter(organization=post.organization, user=author).first()
    if membership is not None:
        url = reverse("post_detail", kwargs={"post_id": post.pk})
        notification_create(membership=membership, kind=kind, message=message, url=url)


@transaction.atomic
def post_submit(*, post: Post, actor: User | None) -> PostTransition:
    """Send a draft (or a rejected post) to the approvers; refused while a caption is blocked."""
    from chorus.content.selectors import post_caption_checks

    _lock(post)
    _require_state(post, [PostState.DRAFT, PostState.REJECTED], "submitted for review")
    problems = [
        f"{Network(network).label}: {finding.message}"
        for network, result in post_caption_checks(post=post).items()
        for finding in result.findings
        if finding.action == "block"
    ]
    if problems:
        raise ValidationError(["Fix these captions before submitting:", *problems])
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


@transaction.atomic
def post_approve(*, post: Post, actor: User) -> PostTransition:
    """Approve a post in review (the caller checked that `actor` is an approver)."""
    _lock(post)
    _require_state(post, [PostState.IN_REVIEW], "approved")
    policy, _ = ContentPolicy.objects.get_or_create(organization=post.organization)
    if policy.require_other_approver:
        authors = {post.created_by_id, post.submitted_by_id}
        last_editor = post_last_editor(post)
        if last_editor is not None:
            authors.add(last_editor.pk)
        if actor.pk in authors:
            raise ValidationError(
                "You wrote, edited or submitted this post: another approver must approve it."
            )
    post.approved_by = actor
    transition = _transition(
        post,
        to_state=PostState.APPROVED,
        actor=actor,
        action="post.approved",
        fields=["approved_by"],
    )
    _notify_author(post, kind="post_approved", message=f"Your post “{post.title}” was approved.")
    return transition


@transaction.atomic
def post_reject(*, post: Post, actor: User, reason: str) -> PostTransition:
    _lock(post)
    _require_state(post, [PostState.IN_REVIEW], "rejected")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the post is rejected, so it can be fixed."})
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
        post, kind="post_rejected", message=f"Your post “{post.title}” was rejected: {reason}"
    )
    return transition


@transaction.atomic
def post_publish(*, post: Post, actor: User | None) -> PostTransition:
    """An approved post goes live now, or is scheduled until its window starts."""
    _lock(post)
    _require_state(post, [PostState.APPROVED], "published")
    now = timezone.now()
    if post.publish_end is not None and post.publish_end <= now:
        raise ValidationError(
            "The publish window is already over; change its end before publishing."
        )
    if post.publish_start is not None and post.publish_start > now:
        return _transition(post, to_state=PostState.SCHEDULED, actor=actor, action="post.scheduled")
    return _transition(post, to_state=PostState.LIVE, actor=actor, action="post.published")


@transaction.atomic
def post_archive(*, post: Post, actor: User | None, reason: str = "") -> PostTransition:
    _lock(post)
    _require_state(post, APPROVED_STATES, "archived")
    return _transition(
        post,
        to_state=PostState.ARCHIVED,
        actor=actor,
        action="post.archived",
        reason=reason.strip()[:2000],
    )


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
                    post=post, from_state=from_state, to_state=to_state, actor=None, reason=reason
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

IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def post_image_validate(upload: UploadedFile) -> str:
    """The image's format; ValidationError naming the file when it is not one we accept."""
    name = upload.name or "The file"
    size = upload.size or 0
    if size > settings.POST_IMAGE_MAX_BYTES:
        raise ValidationError(
            f"{name} is {_megabytes(size)}; an image may be at most "
            f"{_megabytes(settings.POST_IMAGE_MAX_BYTES)}."
        )
    if size == 0:
        raise ValidationError(f"{name} is empty.")
    allowed = ", ".join(settings.POST_IMAGE_TYPES)
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit: make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format or ""
                width, height = image.size
                if image_format not in settings.POST_IMAGE_TYPES:
                    raise ValidationError(
                        f"{name} is a {image_format or 'unknown'} image; allowed: {allowed}."
                    )
                if width * height > settings.POST_IMAGE_MAX_PIXELS:
                    raise _too_many_pixels(name, width * height)
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(name, None) from error
    except Exception as error:
        # Pillow raises many kinds of errors on broken or hostile files; all mean the same.
        raise ValidationError(f"{name} is not an image we can read ({allowed}).") from error
    finally:
        upload.seek(0)
    return image_format


def _too_many_pixels(name: str, pixels: int | None) -> ValidationError:
    limit = settings.POST_IMAGE_MAX_PIXELS / 1_000_000
    found = f" ({pixels / 1_000_000:.1f} megapixels)" if pixels else ""
    return ValidationError(
        f"{name} has too many pixels{found}; an image may have at most {limit:g} megapixels."
    )


@transaction.atomic
def post_image_add(
    *, post: Post, actor: User | None, upload: UploadedFile, alt_text: str = ""
) -> PostImage:
    image_format = post_image_validate(upload)
    last = post.images.order_by("-position").first()
    image = PostImage(
        post=post, alt_text=alt_text.strip()[:500], position=last.position + 1 if last else 0
    )
    extension = IMAGE_EXTENSIONS.get(image_format, image_format.lower())
    image.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
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


# Sources (RSS/Atom) and the curation queue -------------------------------------------

logger = logging.getLogger(__name__)

SOURCE_ADD_TIMEOUT = 5.0
SOURCES_PER_RUN = 100
ENTRIES_PER_POLL = 200
# A source handed to the worker is not handed out again for this long, even if the
# worker has not got to it yet (a poll normally ends long before).
SOURCE_CLAIM_MINUTES = 15


def source_create(
    *, organization: Organization, actor: User | None, url: str, title: str = ""
) -> Source:
    """Add a feed (or the feed a page advertises), fetching it once with a short timeout."""
    url = url.strip()
    try:
        response = discover_feed(url, timeout=SOURCE_ADD_TIMEOUT)
    except (FetchError, FeedError) as error:
        raise ValidationError(f"Could not add this source: {error}.") from error
    if Source.objects.filter(organization=organization, feed_url=response.feed_url).exists():
        raise ValidationError("This feed is already a source.")
    feed_title = response.feed.title if response.feed else ""
    with transaction.atomic():
        source = Source.objects.create(
            organization=organization,
            url=url,
            feed_url=response.feed_url,
            title=(" ".join(title.split()) or feed_title)[:300],
            created_by=actor,
        )
        _source_store(source=source, response=response, now=timezone.now())
        audit_record(
            organization=organization,
            actor=actor,
            action="source.created",
            target=source,
            data={"feed_url": source.feed_url},
        )
    return source


def source_update(*, source: Source, actor: User | None, title: str, enabled: bool) -> Source:
    fields = ["title", "enabled"]
    if enabled and not source.enabled:
        # Switched back on: poll at the next tick, with a clean slate.
        source.next_poll_at = timezone.now()
        source.consecutive_failures = 0
        fields += ["next_poll_at", "consecutive_failures"]
    source.title = " ".join(title.split())[:300]
    source.enabled = enabled
    source.save(update_fields=fields)
    audit_record(
        organization=source.organization,
        actor=actor,
        action="source.updated",
        target=source,
        data={"title": source.title, "enabled": enabled},
    )
    return source


def source_delete(*, source: Source, actor: User | None) -> None:
    """Delete a source and its queue items (posts made from them stay)."""
    audit_record(
        organization=source.organization, actor=actor, action="source.deleted", target=source
    )
    source.delete()


def source_poll_now(*, source: Source, actor: User | None) -> None:
    """Ask the worker to poll this source now (the conditional headers still apply)."""
    from chorus.content.tasks import source_poll as source_poll_task

    source.next_poll_at = timezone.now() + timedelta(minutes=SOURCE_CLAIM_MINUTES)
    source.save(update_fields=["next_poll_at"])
    source_id = source.pk
    transaction.on_commit(lambda: source_poll_task.enqueue(source_id=source_id))


def sources_poll_due(*, limit: int = SOURCES_PER_RUN) -> int:
    """Hand the worker the enabled sources whose next poll has come; returns how many."""
    from chorus.content.tasks import source_poll as source_poll_task

    now = timezone.now()
    due = Source.objects.filter(enabled=True, next_poll_at__lte=now).order_by("next_poll_at")
    claimed: list[int] = []
    for source_id in due.values_list("pk", flat=True)[:limit]:
        # Claim each one, so two schedulers (or a slow worker) never poll it twice.
        claim = Source.objects.filter(pk=source_id, next_poll_at__lte=now)
        if claim.update(next_poll_at=now + timedelta(minutes=SOURCE_CLAIM_MINUTES)):
            claimed.append(source_id)
    for source_id in claimed:
        transaction.on_commit(functools.partial(source_poll_task.enqueue, source_id=source_id))
    return len(claimed)


def source_poll(*, source_id: int) -> str:
    """Poll one source and store what is new; any failure is recorded on the source.

    Never raises for a bad feed: one broken source must not stop the others.
    """
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return "skipped"
    now = timezone.now()
    try:
        response = fetch_feed(
            source.feed_url or source.url, etag=source.etag, last_modified=source.last_modified
        )
        with transaction.atomic():
            added = _source_store(source=source, response=response, now=now)
    except (FetchError, FeedError) as error:
        _source_failed(source=source, reason=str(error), now=now)
        return f"failed: {error}"
    except Exception:
        logger.exception("Polling source %s failed unexpectedly", source_id)
        _source_failed(source=source, reason="the feed could not be read", now=now)
        return "failed"
    return "not modified" if response.feed is None else f"{added} new"


def _source_failed(*, source: Source, reason: str, now: datetime) -> None:
    source.consecutive_failures += 1
    source.last_error = reason[:500]
    source.last_polled_at = now
    minutes = poll_interval_minutes(source.consecutive_failures)
    source.next_poll_at = now + timedelta(minutes=minutes)
    source.save(
        update_fields=["consecutive_failures", "last_error", "last_polled_at", "next_poll_at"]
    )
    logger.info("Source %s failed (%s); next poll in %s minutes", source.pk, reason, minutes)


def _source_store(*, source: Source, response: FeedResponse, now: datetime) -> int:
    """Record a successful poll and queue the feed's new items; returns how many.

    Must run inside transaction.atomic.
    """
    added = 0
    if response.feed is not None:
        added = _source_items_add(source=source, entries=response.feed.entries, now=now)
        source.title = source.title or response.feed.title
    source.etag = response.etag
    source.last_modified = response.last_modified
    source.last_polled_at = now
    source.last_success_at = now
    source.last_error = ""
    source.consecutive_failures = 0
    source.next_poll_at = now + timedelta(minutes=poll_interval_minutes(0))
    source.save(
        update_fields=[
            "title",
            "etag",
            "last_modified",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "consecutive_failures",
            "next_poll_at",
        ]
    )
    return added


def _source_items_add(*, source: Source, entries: list[FeedEntry], now: datetime) -> int:
    """Queue entries not seen before: by id within the source, by canonical URL in the org."""
    entries = entries[:ENTRIES_PER_POLL]
    guids = {entry.guid for entry in entries}
    seen_guids = set(
        SourceItem.objects.filter(source=source, guid__in=guids).values_list("guid", flat=True)
    )
    urls = {entry.canonical_url for entry in entries if entry.canonical_url}
    seen_urls = set(
        SourceItem.objects.filter(
            organization_id=source.organization_id, canonical_url__in=urls
        ).values_list("canonical_url", flat=True)
    )
    items = []
    for entry in entries:
        if entry.guid in seen_guids or (entry.canonical_url and entry.canonical_url in seen_urls):
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(entry.canonical_url)
        items.append(
            SourceItem(
                organization_id=source.organization_id,
                source=source,
                guid=entry.guid,
                url=entry.url,
                canonical_url=entry.canonical_url,
                title=entry.title,
                summary=entry.summary,
                image_url=entry.image_url,
                published_at=entry.published_at,
                created_at=now,
            )
        )
    # ignore_conflicts: a poll of the same source running at the same moment wins quietly.
    SourceItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)


@transaction.atomic
def source_item_create_draft(*, item: SourceItem, actor: User | None) -> Post:
    """Turn a queue item into a draft post (title, link, summary as commentary)."""
    item = SourceItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.USED:
        raise ValidationError("This item is already a post.")
    post = post_create(
        organization=item.organization,
        actor=actor,
        title=item.title or item.url or "Untitled item",
        commentary=summary_text(item.summary),
        link_url=item.url,
    )
    item.status = ItemStatus.USED
    item.post = post
    item.save(update_fields=["status", "post"])
    audit_record(
        organization=item.organization,
        actor=actor,
        action="source_item.used",
        target=item,
        data={"post_id": post.pk},
    )
    return post


def source_item_dismiss(*, item: SourceItem, actor: User | None) -> SourceItem:
    if item.status == ItemStatus.USED:
        raise ValidationError("This item is already a post; archive the post instead.")
    item.status = ItemStatus.DISMISSED
    item.save(update_fields=["status"])
    audit_record(
        organization=item.organization, actor=actor, action="source_item.dismissed", target=item
    )
    return item


# Compliance rules ---------------------------------------------------------------------

_DOMAIN_KINDS = (RuleKind.ALLOWED_DOMAIN, RuleKind.DENIED_DOMAIN)


def _rule_value(*, kind: str, value: str) -> str:
    """The value as stored: a domain cut down to its host, a term with tidy whitespace."""
    if kind not in RuleKind.values:
        raise ValidationError("Choose a kind of rule.")
    if "\x00" in value:
        raise ValidationError("Text must not contain NUL characters.")
    if kind in _DOMAIN_KINDS:
        return normalize_domain(value)
    value = " ".join(value.split())
    if not value:
        raise ValidationError("Enter the term or the disclosure text.")
    if len(value) > 300:
        raise ValidationError("Keep it under 300 characters.")
    if not fold_term(value):
        raise ValidationError(f"“{value}” has nothing a caption could contain.")
    return value


def _rule_check_unique(
    *, organization: Organization, kind: str, value: str, rule_id: int | None = None
) -> None:
    # "Secret" and "SECRET", or "bücher.de" and "xn--bcher-kva.de", are one rule.
    def key(text: str) -> str:
        return url_host(text) if kind in _DOMAIN_KINDS else fold_term(text)

    others = ComplianceRule.objects.filter(organization=organization, kind=kind)
    if rule_id is not None:
        others = others.exclude(pk=rule_id)
    for other in others:
        if key(other.value) == key(value):
            label = RuleKind(kind).label.lower()
            raise ValidationError(f"There is already a rule for the {label} “{other.value}”.")


def _rule_fields(
    *, kind: str, value: str, action: str, auto_append: bool, note: str
) -> dict[str, object]:
    if action not in RuleAction.values:
        raise ValidationError("Choose block or warn.")
    if "\x00" in note:
        raise ValidationError("Text must not contain NUL characters.")
    return {
        "value": _rule_value(kind=kind, value=value),
        "action": action,
        "auto_append": auto_append and kind == RuleKind.DISCLOSURE,
        "note": " ".join(note.split())[:300],
    }


@transaction.atomic
def rule_create(
    *,
    organization: Organization,
    actor: User | None,
    kind: str,
    value: str,
    action: str = RuleAction.BLOCK,
    auto_append: bool = False,
    note: str = "",
) -> ComplianceRule:
    fields = _rule_fields(kind=kind, value=value, action=action, auto_append=auto_append, note=note)
    _rule_check_unique(organization=organization, kind=kind, value=str(fields["value"]))
    rule = ComplianceRule.objects.create(organization=organization, kind=kind, **fields)
    audit_record(
        organization=organization,
        actor=actor,
        action="rule.created",
        target=rule,
        data={"kind": kind, **fields},
    )
    return rule


@transaction.atomic
def rule_update(
    *,
    rule: ComplianceRule,
    actor: User | None,
    value: str,
    action: str,
    auto_append: bool = False,
    note: str = "",
) -> ComplianceRule:
    fields = _rule_fields(
        kind=rule.kind, value=value, action=action, auto_append=auto_append, note=note
    )
    _rule_check_unique(
        organization=rule.organization, kind=rule.kind, value=str(fields["value"]), rule_id=rule.pk
    )
    before = {name: getattr(rule, name) for name in fields}
    for name, new_value in fields.items():
        setattr(rule, name, new_value)
    rule.save(update_fields=list(fields))
    changed = {name: [before[name], new] for name, new in fields.items() if before[name] != new}
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="rule.updated",
        target=rule,
        data=changed,
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: ComplianceRule, actor: User | None) -> None:
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="rule.deleted",
        target=rule,
        data={"kind": rule.kind, "value": rule.value, "action": rule.action},
    )
    rule.delete()


@transaction.atomic
def policy_update(
    *,
    organization: Organization,
    actor: User | None,
    length_action: str | None = None,
    require_other_approver: bool | None = None,
    route_edited_captions_to_approver: bool | None = None,
) -> ContentPolicy:
    """Change the organization's content policy; None leaves a switch as it is."""
    if length_action is not None and length_action not in RuleAction.values:
        raise ValidationError("Choose block or warn.")
    policy, _ = ContentPolicy.objects.select_for_update().get_or_create(organization=organization)
    wanted = {
        "length_action": length_action,
        "require_other_approver": require_other_approver,
        "route_edited_captions_to_approver": route_edited_captions_to_approver,
    }
    changed = {
        name: [getattr(policy, name), value]
        for name, value in wanted.items()
        if value is not None and getattr(policy, name) != value
    }
    if changed:
        for name, (_old, value) in changed.items():
            setattr(policy, name, value)
        policy.save(update_fields=list(changed))
        audit_record(
            organization=organization,
            actor=actor,
            action="content_policy.updated",
            target_label="Content policy",
            data=changed,
        )
    return policy
