"""Build the browser extension (extension/src) for Chromium and Firefox.

One source tree, two packages: extension/dist/chorus-chromium.zip and chorus-firefox.zip,
and the same files unpacked beside them (dist/chromium/, dist/firefox/) for loading into a
browser by hand. The source's manifest is Chromium's (extension/src loads unpacked as is);
Firefox's adds its add-on id (`browser_specific_settings.gecko`) and runs the background
script as an event page (`background.scripts`: Firefox has no extension service workers).

Before packing, the words are checked: every message the manifest, the pages and the
scripts name exists in every language of _locales/, with the same placeholders, and no
page loads a script or style from outside the extension.

Run by `make extension` (Python's standard library only, nothing from the network):
    python scripts/build_extension.py [--source extension/src] [--out extension/dist]
The Firefox add-on id can be set with CHORUS_EXTENSION_GECKO_ID (an organization that
signs its own build gives it its own id).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "extension" / "src"
OUT = ROOT / "extension" / "dist"
GECKO_ID = os.getenv("CHORUS_EXTENSION_GECKO_ID", "browser-extension@chorus.invalid")
# optional_host_permissions and data_collection_permissions need Firefox 128 or later.
GECKO_MIN_VERSION = "128.0"
# What the extension sends to the organization's Chorus (Firefox's consent categories):
# the address of the page it is opened on, that page's title with a suggestion, the token.
GECKO_DATA_COLLECTION = ["browsingActivity", "websiteContent", "authenticationInfo"]
# Zip entries get a fixed date so that the same sources give the same packages.
FIXED_DATE = (2025, 1, 1, 0, 0, 0)
TEXT_FILES = {".html", ".js", ".css", ".json"}

MANIFEST_MESSAGE = re.compile(r"__MSG_(\w+)__")
PAGE_MESSAGE = re.compile(r'data-i18n(?:-[a-z-]+)?="(\w+)"')
SCRIPT_MESSAGE = re.compile(r'message\(\s*"(\w+)"')
QUOTED = re.compile(r'"(\w+)"')
# Only the extension's own files: no script, style or image from anywhere else.
REMOTE_RESOURCE = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.I)
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
FORBIDDEN_SCRIPT = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\.innerHTML\s*=|document\.write")


class BuildError(Exception):
    pass


def _placeholders(entry: dict[str, Any]) -> set[str]:
    return {name.lower() for name in entry.get("placeholders", {})}


def check_messages(source: Path) -> set[str]:
    """The message names in use, after checking every language has each of them."""
    used = set(MANIFEST_MESSAGE.findall((source / "manifest.json").read_text()))
    for page in sorted(source.glob("*.html")):
        used |= set(PAGE_MESSAGE.findall(page.read_text()))
    quoted: set[str] = set()
    for script in sorted(source.glob("*.js")):
        used |= set(SCRIPT_MESSAGE.findall(script.read_text()))
        quoted |= set(QUOTED.findall(script.read_text()))
    languages = sorted(path.parent.name for path in source.glob("_locales/*/messages.json"))
    manifest = json.loads((source / "manifest.json").read_text())
    default = manifest.get("default_locale")
    if default not in languages:
        raise BuildError(f"default_locale {default!r} has no _locales/{default}/messages.json")
    catalogs = {
        language: json.loads((source / "_locales" / language / "messages.json").read_text())
        for language in languages
    }
    problems = []
    reference = catalogs[default]
    for language, catalog in catalogs.items():
        for name in sorted(used - set(catalog)):
            problems.append(f"_locales/{language}: {name} is used but missing")
        for name in sorted(set(reference) ^ set(catalog)):
            problems.append(f"_locales/{language}: {name} is not in both {default} and here")
        for name, entry in catalog.items():
            if not entry.get("message"):
                problems.append(f"_locales/{language}: {name} has no message")
            if name in reference and _placeholders(entry) != _placeholders(reference[name]):
                problems.append(f"_locales/{language}: {name} has other placeholders")
            for placeholder in re.findall(r"\$(\w+)\$", entry.get("message", "")):
                if placeholder.lower() not in _placeholders(entry):
                    problems.append(f"_locales/{language}: {name} names ${placeholder}$")
    # A script may choose between names (`message(ok ? "a" : "b")`): a quoted name is used.
    for name in sorted(set(reference) - used - quoted):
        problems.append(f"_locales/{default}: {name} is never used")
    if problems:
        raise BuildError("\n".join(problems))
    return used


def check_code(source: Path) -> None:
    """No remote code and nothing that evaluates strings (the CSP would refuse it anyway)."""
    problems = []
    for page in sorted(source.glob("*.html")):
        if REMOTE_RESOURCE.search(page.read_text()):
            problems.append(f"{page.name} loads something from outside the extension")
        if INLINE_CODE.search(page.read_text()):
            problems.append(f"{page.name} has an inline script, style or event handler")
    for script in sorted(source.glob("*.js")):
        if FORBIDDEN_SCRIPT.search(script.read_text()):
            problems.append(f"{script.name} evaluates strings or writes HTML")
    if problems:
        raise BuildError("\n".join(problems))


def firefox_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    firefox: dict[str, Any] = json.loads(json.dumps(manifest))
    worker = manifest["background"]["service_worker"]
    firefox["background"] = {"scripts": [worker]}
    firefox["browser_specific_settings"] = {
        "gecko": {
            "id": GECKO_ID,
            "strict_min_version": GECKO_MIN_VERSION,
            "data_collection_permissions": {"required": GECKO_DATA_COLLECTION},
        }
    }
    return firefox


def _files(source: Path) -> list[Path]:
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and not path.name.startswith(".") and path.name != "manifest.json"
    )


def _write_tree(source: Path, target: Path, manifest: dict[str, Any]) -> None:
    if target.exists():
        shutil.rmtree(target)
    for path in _files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _zip(tree: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())


def build(source: Path = SOURCE, out: Path = OUT) -> dict[str, Path]:
    """Check the sources and write both browsers' trees and zips; their paths by browser."""
    manifest = json.loads((source / "manifest.json").read_text())
    if manifest.get("manifest_version") != 3:
        raise BuildError("manifest.json must be Manifest V3")
    check_messages(source)
    check_code(source)
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for browser, browser_manifest in (
        ("chromium", manifest),
        ("firefox", firefox_manifest(manifest)),
    ):
        tree = out / browser
        _write_tree(source, tree, browser_manifest)
        archive = out / f"chorus-{browser}.zip"
        _zip(tree, archive)
        built[browser] = archive
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args(argv)
    try:
        built = build(arguments.source, arguments.out)
    except BuildError as error:
        print(f"The extension was not built:\n{error}", file=sys.stderr)
        return 1
    for browser, archive in built.items():
        print(f"{browser}: {archive} (unpacked: {archive.parent / browser})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
