"""Pictures Chorus stores and serves itself: checked, stripped and re-encoded with Pillow.

Whatever comes in (a link preview's image fetched from the web, a reward's picture, an
organization's logo), what is stored is a new file Pillow wrote: the first frame only, turned
the way its EXIF says, without metadata (no EXIF, GPS, ICC profile or comments), no larger
than asked, in one of the formats we serve. A file Pillow cannot read, a type we do not take,
a decompression bomb or too many pixels is refused with a reason a person can read.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

CONTENT_TYPES = {"WEBP": "image/webp", "PNG": "image/png", "JPEG": "image/jpeg"}
EXTENSIONS = {"WEBP": "webp", "PNG": "png", "JPEG": "jpg"}
# What a web server may call an image we take (a preview's image is checked before reading it).
IMAGE_CONTENT_TYPES = {
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/png",
    "image/gif",
    "image/webp",
}


class ImageRefused(ValueError):
    """The file is not a picture we store; the message says why, in words."""


@dataclass(frozen=True)
class EncodedImage:
    content: bytes
    width: int
    height: int
    image_format: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.image_format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.image_format]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def image_open(data: bytes | IO[bytes], *, name: str = "") -> Image.Image:
    """The picture in `data`, decoded (first frame); ImageRefused when we do not take it.

    Size, type and pixel count are checked from the header before anything is decoded.
    """
    name = name or _("The image")
    raw = data if isinstance(data, bytes) else data.read()
    if not raw:
        raise ImageRefused(_("%(name)s is empty.") % {"name": name})
    if len(raw) > settings.POST_IMAGE_MAX_BYTES:
        raise ImageRefused(
            _("%(name)s is %(size)s; an image may be at most %(limit)s.")
            % {
                "name": name,
                "size": _megabytes(len(raw)),
                "limit": _megabytes(settings.POST_IMAGE_MAX_BYTES),
            }
        )
    head = raw[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
        raise ImageRefused(
            _(
                "%(name)s is an SVG drawing; SVG files can carry scripts, so they are not "
                "accepted. Upload it as PNG, JPEG or WebP."
            )
            % {"name": name}
        )
    allowed = ", ".join(settings.POST_IMAGE_TYPES)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit: make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                _check_header(probe, name=name, allowed=allowed)
                probe.verify()
            # verify() leaves the image unusable: open it again to decode it.
            image = Image.open(io.BytesIO(raw))
            image.seek(0)
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(name, None) from error
    except Exception as error:
        # Pillow raises many kinds of errors on broken or hostile files; all mean the same.
        raise ImageRefused(
            _("%(name)s is not an image we can read (%(allowed)s).")
            % {"name": name, "allowed": allowed}
        ) from error
    return image


def _check_header(image: Image.Image, *, name: str, allowed: str) -> None:
    image_format = image.format or ""
    if image_format not in settings.POST_IMAGE_TYPES:
        raise ImageRefused(
            _("%(name)s is a %(format)s image; allowed: %(allowed)s.")
            % {"name": name, "format": image_format or _("unknown"), "allowed": allowed}
        )
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRefused(_("%(name)s has no pixels.") % {"name": name})
    if width * height > settings.POST_IMAGE_MAX_PIXELS:
        raise _too_many_pixels(name, width * height)


def _too_many_pixels(name: str, pixels: int | None) -> ImageRefused:
    limit = settings.POST_IMAGE_MAX_PIXELS / 1_000_000
    if pixels:
        return ImageRefused(
            _("%(name)s has too many pixels (%(found).1f megapixels); at most %(limit)g.")
            % {"name": name, "found": pixels / 1_000_000, "limit": limit}
        )
    return ImageRefused(
        _("%(name)s has too many pixels; an image may have at most %(limit)g megapixels.")
        % {"name": name, "limit": limit}
    )


def image_encode(
    image: Image.Image,
    *,
    max_width: int,
    max_height: int | None = None,
    image_format: str = "WEBP",
    quality: int = 82,
) -> EncodedImage:
    """A new file of `image`: upright, at most max_width by max_height, without metadata.

    Never enlarged. JPEG has no transparency: transparent parts become white.
    """
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image_format == "JPEG" or not has_alpha:
        if has_alpha:
            rgba = image.convert("RGBA")
            canvas = Image.new("RGB", rgba.size, "white")
            canvas.paste(rgba, mask=rgba.getchannel("A"))
            image = canvas
        else:
            image = image.convert("RGB")
    else:
        image = image.convert("RGBA")
    bounds = (max_width, max_height or max_width * 4)
    if image.width > bounds[0] or image.height > bounds[1]:
        image.thumbnail(bounds, Image.Resampling.LANCZOS)
    # A fresh image with the pixels only: nothing of the original's metadata comes along.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if image_format in ("WEBP", "JPEG"):
        options["quality"] = quality
    if image_format == "JPEG":
        options["optimize"] = True
    if image_format == "PNG":
        options["optimize"] = True
    clean.save(buffer, format=image_format, **options)
    return EncodedImage(
        content=buffer.getvalue(), width=clean.width, height=clean.height, image_format=image_format
    )


def image_store(
    encoded: EncodedImage, *, folder: str, storage: Storage | None = None, suffix: str = ""
) -> str:
    """Save the file under `folder` with a new random name; its name in the storage."""
    storage = storage or default_storage
    name = f"{folder.strip('/')}/{uuid.uuid4().hex}{suffix}.{encoded.extension}"
    return storage.save(name, ContentFile(encoded.content))


def content_type_of(name: str) -> str:
    """The content type we serve a stored picture with, from its extension."""
    extension = name.rsplit(".", 1)[-1].lower()
    for image_format, known in EXTENSIONS.items():
        if extension == known:
            return CONTENT_TYPES[image_format]
    return {"gif": "image/gif"}.get(extension, "application/octet-stream")
