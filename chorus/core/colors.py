"""Colours people choose (an organization's accent), checked against WCAG contrast."""

from __future__ import annotations

import colorsys
import re

HEX_COLOR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
WHITE = "#ffffff"
# The page's own background (chorus.css --bg): links in the accent colour sit on it too.
PAGE_BACKGROUND = "#f6f7f9"
# WCAG 2 level AA for normal text: what white button labels and links on white need.
AA_CONTRAST = 4.5


def color_normalize(value: str) -> str | None:
    """'#RGB', 'RRGGBB' or '#rrggbb' as '#rrggbb'; None when it is not a hex colour."""
    match = HEX_COLOR.match(value.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def _channels(color: str) -> tuple[float, float, float]:
    return (
        int(color[1:3], 16) / 255,
        int(color[3:5], 16) / 255,
        int(color[5:7], 16) / 255,
    )


def relative_luminance(color: str) -> float:
    """WCAG 2's relative luminance of '#rrggbb' (0 black, 1 white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two '#rrggbb' colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def color_darkened_for_contrast(
    color: str, *, against: str = WHITE, ratio: float = AA_CONTRAST
) -> str:
    """The same hue and saturation, only as much darker as it takes to reach `ratio`."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*_channels(color))
    candidate = color
    while contrast_ratio(candidate, against) < ratio and lightness > 0:
        lightness = max(lightness - 0.01, 0)
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
        candidate = "#" + "".join(f"{round(channel * 255):02x}" for channel in (red, green, blue))
    return candidate


def color_mix(color: str, other: str, share: float) -> str:
    """`share` of `color` mixed into `other` (0: other, 1: color)."""
    mixed = (
        share * first + (1 - share) * second
        for first, second in zip(_channels(color), _channels(other), strict=True)
    )
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in mixed)


def color_tint_for_text(color: str, *, ratio: float = AA_CONTRAST) -> str:
    """A light tint of `color` on which `color` itself still reads as text (`ratio`)."""
    for percent in range(12, -1, -1):
        tint = color_mix(color, WHITE, percent / 100)
        if contrast_ratio(color, tint) >= ratio:
            return tint
    return WHITE
