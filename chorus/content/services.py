"""Every write in content with a side effect: one function per business action."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chorus.accounts.models import Membership, Organization, User
from chorus.content.models import Caption, Network, Post, PostVersion, PreviewStatus
from chorus.content.preview import fetch_link_preview
from chorus.core.audit import audit_record
from chorus.core.http import FetchError


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
    captions = {caption.network: caption.text for caption in post.captions.all()}
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
) -> Post:
    """Create a draft post (version 1); its link preview is fetched once committed."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError("A post needs a title.")
    cleaned = _clean_captions(captions)
    post = Post.objects.create(
        organization=organization,
        title=title[:200],
        commentary=commentary.strip(),
        link_url=link_url.strip(),
        preview_status=PreviewStatus.PENDING if link_url.strip() else PreviewStatus.NONE,
        suggested_by=suggested_by,
        campaign=campaign.strip()[:100],
        created_by=actor,
    )
    Caption.objects.bulk_create(
        Caption(post=post, network=network, text=text) for network, text in cleaned.items()
    )
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
