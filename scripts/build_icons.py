"""Build the one SVG sprite of icons Chorus serves (chorus/static/vendor/icons.svg).

Interface icons come from lucide-static and network logos from simple-icons, both from the
npm registry (package.json); only the icons named here go into the sprite, each as a
<symbol id="...">, so pages load a few kilobytes instead of the packages' megabytes. A page
draws one with `{% icon "bell" %}` (chorus/core/templatetags/icons.py).

Run by `make install`: python scripts/build_icons.py node_modules chorus/static/vendor/icons.svg
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree

SVG = "http://www.w3.org/2000/svg"

# Interface icons (lucide), by the name pages use.
INTERFACE = [
    "award",
    # Badge emblems, one per criterion (chorus/gamification/models.py CRITERION_ICONS).
    "flame",
    "globe",
    "graduation-cap",
    "mouse-pointer-click",
    "rocket",
    "bell",
    "send",
    "building-2",
    "calendar",
    "chart-column",
    "circle-check",
    "ellipsis",
    "eye-off",
    "file-text",
    "flag",
    "gift",
    "house",
    "inbox",
    "layout-dashboard",
    "lightbulb",
    "link",
    "log-out",
    "mail",
    "menu",
    "message-square-quote",
    "newspaper",
    "plug",
    "rss",
    "scroll-text",
    "settings",
    "share-2",
    "shield",
    "star",
    "trophy",
    "user",
    "users",
    "x",
    "chevron-down",
    "repeat-2",
    "shield-check",
    "circle-alert",
    "code",
    "tag",
]
# Network logos (simple-icons), named network-<network>. LinkedIn's logo is not in
# simple-icons (LinkedIn asked for it to be removed): it gets a plain "in" monogram.
NETWORKS = {
    "x": "x",
    "facebook": "facebook",
    "threads": "threads",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "xing": "xing",
    "whatsapp": "whatsapp",
}
LINKEDIN = (
    '<symbol id="network-linkedin" viewBox="0 0 24 24"><rect width="24" height="24" rx="4" '
    'fill="currentColor"/><text x="12" y="17" text-anchor="middle" font-family="Arial, '
    'sans-serif" font-weight="700" font-size="13" fill="#fff">in</text></symbol>'
)


def _symbol(path: Path, symbol_id: str) -> str:
    ElementTree.register_namespace("", SVG)
    root = SafeElementTree.fromstring(path.read_text(encoding="utf-8"))
    attributes = {"id": symbol_id, "viewBox": root.get("viewBox", "0 0 24 24")}
    # Lucide draws strokes; simple-icons fills one path.
    for name in ("fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin"):
        if root.get(name) is not None:
            attributes[name] = root.get(name)  # type: ignore[assignment]
    inner = "".join(
        ElementTree.tostring(child, encoding="unicode")
        for child in root
        if not child.tag.endswith("title")
    )
    inner = re.sub(r'\sxmlns(:\w+)?="[^"]+"', "", inner)
    attrs = " ".join(f'{key}="{value}"' for key, value in attributes.items())
    return f"<symbol {attrs}>{inner}</symbol>"


def build(node_modules: Path) -> str:
    symbols = [
        _symbol(node_modules / "lucide-static" / "icons" / f"{name}.svg", name)
        for name in INTERFACE
    ]
    for network, file in NETWORKS.items():
        path = node_modules / "simple-icons" / "icons" / f"{file}.svg"
        symbol = _symbol(path, f"network-{network}")
        symbols.append(symbol.replace("<symbol ", '<symbol fill="currentColor" ', 1))
    symbols.append(LINKEDIN)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg">\n'
        "<!-- lucide-static (ISC) and simple-icons (CC0-1.0), via npm -->\n"
        + "\n".join(symbols)
        + "\n</svg>\n"
    )


def main(argv: list[str]) -> int:
    node_modules, target = Path(argv[1]), Path(argv[2])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(build(node_modules), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
