"""The translation catalogs are complete, consistent and compiled.

Each app keeps its catalogs in ``chorus/<app>/locale/<language>/LC_MESSAGES/django.po``
(``chorus/locale`` for the shared templates and the shell); ``make messages`` gathers the
strings and compiles them. These tests fail when a string has no translation, when a
translation drops or invents a placeholder, when a ``.mo`` file is older than its ``.po``,
and (where gettext's tools are installed) when a wrapped string is missing from a catalog.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
CHORUS = ROOT / "chorus"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOGS = sorted(CHORUS.glob("**/locale/*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def catalog_id(path: Path) -> str:
    return str(path.relative_to(CHORUS))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_app_speaks_every_language() -> None:
    apps_with_catalogs = {path.parents[3] for path in CATALOGS}
    assert CHORUS in apps_with_catalogs, "chorus/locale holds the shared templates' strings"
    missing = [
        f"{app.relative_to(ROOT)}/locale/{language}"
        for app in sorted(apps_with_catalogs)
        for language in TRANSLATED
        if not (app / "locale" / language / "LC_MESSAGES" / "django.po").exists()
    ]
    assert not missing


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_every_string_is_translated(path: Path) -> None:
    catalog = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"{path}: no translation for {untranslated[:10]}"
    assert not fuzzy, f"{path}: fuzzy (to be checked) {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_translations_keep_their_placeholders(path: Path) -> None:
    wrong = []
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            # The singular may name the number or not ("one share" / "%(count)s shares").
            expected = set(placeholders(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                if not set(placeholders(form)) <= expected:
                    wrong.append((entry.msgid_plural, form))
        elif placeholders(entry.msgid) != placeholders(entry.msgstr):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, f"{path}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_the_compiled_catalog_matches(path: Path) -> None:
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make messages`"
    with compiled.open("rb") as file:
        messages = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in polib.pofile(str(path)).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            forms = {index: messages.get((key, index)) for index in entry.msgstr_plural}
            if forms != entry.msgstr_plural:
                stale.append(entry.msgid)
        elif messages.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert not stale, f"{compiled} is older than its .po ({stale[:5]}): run `make messages`"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext's xgettext is not installed")
def test_the_catalogs_hold_every_wrapped_string(tmp_path: Path) -> None:
    """makemessages, run on a copy of the code, finds no string the catalogs lack."""
    copy = tmp_path / "chorus"
    shutil.copytree(
        CHORUS, copy, ignore=shutil.ignore_patterns("static", "tests", "tests_browser", "*.mo")
    )
    # Our own interpreter and arguments.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            *(f"--locale={language}" for language in TRANSLATED),
            "--no-obsolete",
            "--verbosity=0",
        ],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "chorus.settings"},
        check=True,
    )
    missing = {}
    for gathered in sorted(copy.glob("**/locale/*/LC_MESSAGES/django.po")):
        committed = CHORUS / gathered.relative_to(copy)
        known = (
            {entry.msgid for entry in polib.pofile(str(committed))} if committed.exists() else set()
        )
        lacking = [entry.msgid for entry in polib.pofile(str(gathered)) if entry.msgid not in known]
        if lacking:
            missing[str(committed.relative_to(ROOT))] = lacking[:10]
    assert not missing, f"strings not in the catalogs (run `make messages`): {missing}"


def test_the_same_words_read_the_same_everywhere() -> None:
    """When two apps' catalogs translate the same English, the first in LOCALE_PATHS wins
    on every page: they must agree (a context, pgettext, tells different meanings apart)."""
    translations: dict[tuple[str, str, str], dict[str, str]] = {}
    for path in CATALOGS:
        for entry in polib.pofile(str(path)).translated_entries():
            key = (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
            text = entry.msgstr or " | ".join(
                entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)
            )
            translations.setdefault(key, {})[catalog_id(path)] = text
    disagreements = {
        key[1]: catalogs
        for key, catalogs in translations.items()
        if len(set(catalogs.values())) > 1
    }
    assert not disagreements, disagreements
