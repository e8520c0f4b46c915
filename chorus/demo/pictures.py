"""Pictures for the demo's posts, drawn here with Pillow (nothing is downloaded): a branded
card per post, a gradient in its campaign's colours, a few translucent circles, the title and
the organization's name, the size a link card uses (1200 x 630)."""

from __future__ import annotations

import random
import textwrap
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
# (from, to) colours of each campaign's gradient; posts without a campaign use the last.
PALETTES = {
    "Acme Cloud 3.0": ((30, 64, 175), (14, 165, 233)),
    "Life at Acme": ((190, 24, 93), (251, 146, 60)),
    "Net zero": ((21, 128, 61), (163, 230, 53)),
    "Customer stories": ((91, 33, 182), (236, 72, 153)),
    "Autumn launch": ((180, 83, 9), (250, 204, 21)),
    "": ((15, 23, 42), (71, 85, 105)),
}


def _gradient(start: tuple[int, int, int], end: tuple[int, int, int]) -> Image.Image:
    """A diagonal gradient from `start` (top left) to `end` (bottom right)."""
    middle = tuple((a + b) // 2 for a, b in zip(start, end, strict=True))
    corners = Image.new("RGB", (2, 2))
    corners.putdata([start, middle, middle, end])
    return corners.resize(SIZE, Image.Resampling.BILINEAR)


def _shapes(image: Image.Image, rng: random.Random) -> Image.Image:
    layer = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(6):
        radius = rng.randint(60, 260)
        x, y = rng.randint(500, 1250), rng.randint(-100, 700)
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=(255, 255, 255, rng.randint(18, 46)),
        )
    return Image.alpha_composite(image.convert("RGBA"), layer)


def post_picture(*, title: str, campaign: str, organization: str, seed: int) -> bytes:
    """A JPEG card for a post: its campaign's colours, its title, the organization."""
    rng = random.Random(seed)
    start, end = PALETTES.get(campaign, PALETTES[""])
    image = _shapes(_gradient(start, end), rng)
    draw = ImageDraw.Draw(image)
    heading = ImageFont.load_default(size=64)
    small = ImageFont.load_default(size=30)
    draw.text((72, 56), organization.upper(), font=small, fill=(255, 255, 255, 230))
    # The title in the middle band, which survives a card's crop to a wide banner.
    lines = textwrap.wrap(title, width=30)[:3]
    top = SIZE[1] // 2 - 38 * len(lines)
    if campaign:
        draw.text((72, top - 48), campaign, font=small, fill=(255, 255, 255, 200))
    for number, line in enumerate(lines):
        draw.text((72, top + 76 * number), line, font=heading, fill=(255, 255, 255, 255))
    draw.rectangle((72, SIZE[1] - 56, 192, SIZE[1] - 48), fill=(255, 255, 255, 220))
    out = BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=82)
    return out.getvalue()


def logo_picture(*, name: str, color: tuple[int, int, int]) -> bytes:
    """A PNG logo mark for the organization: a rounded square in its colour with its
    initial, on a transparent background (the shell writes the name beside it)."""
    image = Image.new("RGBA", (192, 192), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 184, 184), radius=44, fill=(*color, 255))
    draw.ellipse((104, 24, 168, 88), fill=(255, 255, 255, 60))
    draw.text(
        (96, 100),
        name[:1].upper(),
        font=ImageFont.load_default(size=120),
        anchor="mm",
        fill=(255, 255, 255, 255),
    )
    output = BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()
