"""Draw the installable app's icons (chorus/static/pwa/*.png) with Pillow.

The mark is the favicon's (chorus/static/chorus/favicon.svg): two white strokes, voices
joining, on the brand blue. Run once after changing the mark and commit the PNGs:

    .venv/bin/python scripts/build_app_icons.py

Regular icons have rounded corners and a transparent outside; the maskable one fills its
whole square and keeps the mark inside the central safe zone (a circle of 40% of the size,
https://w3c.github.io/manifest/#icon-masks), because launchers cut it to their own shape.
The badge is the mark alone, white on transparent: Android shows it in the status bar.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "chorus" / "static" / "pwa"
BLUE = (59, 75, 219, 255)  # --primary, #3b4bdb
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4

# The favicon's two strokes in its 32-unit box: "M9 20c0-5 3-9 8-9" and "m-4 13c0-5 3-9 8-9",
# cubic Bézier curves (start, control 1, control 2, end).
STROKES = [
    ((9, 20), (9, 15), (12, 11), (17, 11)),
    ((13, 24), (13, 19), (16, 15), (21, 15)),
]
STROKE_WIDTH = 3.0
# The strokes' bounding box in favicon units (without the stroke's width), to centre them.
MARK_LEFT, MARK_TOP, MARK_RIGHT, MARK_BOTTOM = 9.0, 11.0, 21.0, 24.0


def _bezier(curve: tuple[tuple[float, float], ...], steps: int = 64) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    points = []
    for step in range(steps + 1):
        t = step / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        points.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return points


def _draw_mark(
    draw: ImageDraw.ImageDraw, size: int, *, scale: float, color: tuple[int, ...]
) -> None:
    """The two strokes, centred in a `size` square, one favicon unit being `scale` pixels."""
    centre_x = (MARK_LEFT + MARK_RIGHT) / 2
    centre_y = (MARK_TOP + MARK_BOTTOM) / 2
    width = STROKE_WIDTH * scale
    for curve in STROKES:
        # A round pen stamped densely along the curve: smooth edges and round caps, where
        # Pillow's wide lines leave notches at every joint.
        for x, y in _bezier(curve, steps=int(40 * scale)):
            centre = (size / 2 + (x - centre_x) * scale, size / 2 + (y - centre_y) * scale)
            draw.ellipse(
                (
                    centre[0] - width / 2,
                    centre[1] - width / 2,
                    centre[0] + width / 2,
                    centre[1] + width / 2,
                ),
                fill=color,
            )


def icon(size: int, *, maskable: bool = False) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        # The mark (about 15 by 16 units with its strokes, 22 across) stays inside the safe
        # circle (a diameter of 80% of the size).
        scale = big * 0.7 / 22
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=BLUE)
        scale = big / 32
    _draw_mark(draw, big, scale=scale, color=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def badge(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    _draw_mark(ImageDraw.Draw(image), big, scale=big / 16, color=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = {
        "icon-192.png": icon(192),
        "icon-512.png": icon(512),
        "icon-maskable-512.png": icon(512, maskable=True),
        # iOS ignores the manifest's icons and takes this one, without transparency.
        "apple-touch-icon.png": icon(180, maskable=True),
        "badge-96.png": badge(96),
    }
    for name, image in outputs.items():
        if name == "apple-touch-icon.png":
            image = image.convert("RGB")
        image.save(OUT / name, optimize=True)
        print(f"wrote {OUT / name} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
