"""The browser extension's build (scripts/build_extension.py): one source, two browsers."""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "extension" / "src"


@pytest.fixture(scope="module")
def builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_extension", ROOT / "scripts" / "build_extension.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest_in(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as bundle:
        return json.loads(bundle.read("manifest.json"))  # type: ignore[no-any-return]


def test_both_browsers_get_a_manifest_v3_package(builder, tmp_path):
    built = builder.build(out=tmp_path)

    assert set(built) == {"chromium", "firefox"}
    chromium = manifest_in(built["chromium"])
    firefox = manifest_in(built["firefox"])
    assert chromium["manifest_version"] == firefox["manifest_version"] == 3
    assert chromium["background"] == {"service_worker": "background.js"}
    assert "browser_specific_settings" not in chromium
    # Firefox runs the background script as an event page and needs an add-on id.
    assert firefox["background"] == {"scripts": ["background.js"]}
    gecko = firefox["browser_specific_settings"]["gecko"]
    assert gecko["id"]
    assert gecko["data_collection_permissions"]["required"]
    with zipfile.ZipFile(built["firefox"]) as bundle:
        names = set(bundle.namelist())
    assert {"popup.html", "options.html", "_locales/en/messages.json"} <= names
    assert {"_locales/de/messages.json", "icons/chorus-128.png"} <= names


def test_the_same_sources_give_the_same_packages(builder, tmp_path):
    first = builder.build(out=tmp_path / "first")
    second = builder.build(out=tmp_path / "second")

    for browser in ("chromium", "firefox"):
        assert first[browser].read_bytes() == second[browser].read_bytes()


def test_the_extension_asks_for_little_and_runs_only_its_own_code():
    manifest = json.loads((SOURCE / "manifest.json").read_text())

    # Chorus's address is asked for when the member sets it, not at install.
    assert set(manifest["permissions"]) == {"activeTab", "storage"}
    assert "host_permissions" not in manifest
    assert "content_scripts" not in manifest
    policy = manifest["content_security_policy"]["extension_pages"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy


def test_every_word_is_in_english_and_german(builder):
    used = builder.check_messages(SOURCE)

    for language in ("en", "de"):
        catalog = json.loads((SOURCE / "_locales" / language / "messages.json").read_text())
        assert used <= set(catalog)


def test_a_word_missing_from_a_language_stops_the_build(builder, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    german = source / "_locales" / "de" / "messages.json"
    catalog = json.loads(german.read_text())
    del catalog["suggestButton"]
    german.write_text(json.dumps(catalog))

    with pytest.raises(builder.BuildError, match="suggestButton"):
        builder.build(source=source, out=tmp_path / "dist")


def test_an_inline_script_or_remote_code_stops_the_build(builder, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    popup = source / "popup.html"
    popup.write_text(
        popup.read_text().replace(
            "</head>", '<script src="https://cdn.example/x.js"></script><script>1</script></head>'
        )
    )
    (source / "common.js").write_text((source / "common.js").read_text() + "\neval('1');\n")

    with pytest.raises(builder.BuildError) as refused:
        builder.build(source=source, out=tmp_path / "dist")

    assert "popup.html loads something from outside" in str(refused.value)
    assert "popup.html has an inline script" in str(refused.value)
    assert "common.js evaluates strings" in str(refused.value)
