"""The image of a post's link preview, stored and served by Chorus itself.

Pages never point at the other site's image (the Content-Security-Policy allows images from
our own origin only, and a remote image would tell that site who reads the feed). When the
preview is fetched, its og:image is fetched too, through the SSRF-safe client, checked and
re-encoded by Pillow (chorus/core/images.py) in two widths and stored beside post images.
A failure leaves the preview without an image and says why; the post is never at stake.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext

from chorus.content.models import Post
from chorus.content.preview import fetch_preview_image
from chorus.core.http import FetchError
from chorus.core.images import ImageRefused, image_encode, image_open, image_store

logger = logging.getLogger(__name__)

# Wide enough for a sharp card on a desktop; the thumbnail for cards on phones and lists.
PREVIEW_IMAGE_WIDTH = 1200
PREVIEW_THUMBNAIL_WIDTH = 600
# A very tall image (an infographic) is cut down to this ratio of its width, not shown whole.
MAX_HEIGHT_RATIO = 2

IMAGE_FIELDS = [
    "preview_image",
    "preview_thumbnail",
    "preview_image_width",
    "preview_image_height",
    "preview_image_error",
]


def preview_image_fields(*, post: Post, image_url: str) -> dict[str, object]:
    """The post's preview image fields for `image_url`: stored anew, kept, or empty with why.

    The files are written here; the caller saves the fields and calls preview_image_settle.
    """
    if not image_url:
        return _empty(error="")
    if image_url == post.preview_image_url and post.preview_image:
        return {}  # The same image, already stored.
    try:
        data = fetch_preview_image(image_url)
        image = image_open(data, name=gettext("The preview's image"))
        large = image_encode(
            image, max_width=PREVIEW_IMAGE_WIDTH, max_height=PREVIEW_IMAGE_WIDTH * MAX_HEIGHT_RATIO
        )
        small = image_encode(
            image,
            max_width=PREVIEW_THUMBNAIL_WIDTH,
            max_height=PREVIEW_THUMBNAIL_WIDTH * MAX_HEIGHT_RATIO,
        )
    except (FetchError, ImageRefused) as error:
        logger.info("Preview image of post %s not stored: %s", post.pk, error)
        return _empty(error=str(error))
    except Exception:
        # Whatever else goes wrong with someone else's image must not cost the preview.
        logger.exception("Preview image of post %s could not be processed", post.pk)
        return _empty(error="the image could not be processed")
    folder = f"previews/{post.organization_id}/{post.pk}"
    try:
        stored = image_store(large, folder=folder)
        thumbnail = image_store(small, folder=folder, suffix="-small")
    except OSError:
        logger.exception("Preview image of post %s could not be stored", post.pk)
        return _empty(error="the image could not be stored")
    return {
        "preview_image": stored,
        "preview_thumbnail": thumbnail,
        "preview_image_width": large.width,
        "preview_image_height": large.height,
        "preview_image_error": "",
    }


def _empty(*, error: str) -> dict[str, object]:
    return {
        "preview_image": "",
        "preview_thumbnail": "",
        "preview_image_width": 0,
        "preview_image_height": 0,
        "preview_image_error": error[:300],
    }


def preview_image_settle(*, before: Post, fields: dict[str, object], saved: bool) -> None:
    """Remove the files nobody points at any more: the old ones once replaced, or the new
    ones when the post changed meanwhile and the fields were not saved."""
    new = [str(fields.get(name) or "") for name in ("preview_image", "preview_thumbnail")]
    old = [before.preview_image.name or "", before.preview_thumbnail.name or ""]
    if "preview_image" not in fields:
        return
    unused = [
        name for name in (old if saved else new) if name and name not in (new if saved else old)
    ]
    if unused:
        transaction.on_commit(lambda: _delete(unused))


def preview_image_clear(post: Post) -> list[str]:
    """Forget the post's preview image (its link changed); the files go once committed."""
    names = [post.preview_image.name or "", post.preview_thumbnail.name or ""]
    for name, value in _empty(error="").items():
        setattr(post, name, value)
    unused = [name for name in names if name]
    if unused:
        transaction.on_commit(lambda: _delete(unused))
    return list(IMAGE_FIELDS)


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the preview image file %s", name)
