"""The systemd units in deploy/systemd (README: Production, several machines) parse, run
commands that exist in this checkout, and keep their hardening."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "deploy" / "systemd"
NAMES = ("chorus-web.service", "chorus-worker.service", "chorus-scheduler.service")
INSTALL_DIR = "/opt/chorus"
HARDENING = {
    "NoNewPrivileges": "true",
    "ProtectSystem": "strict",
    "ProtectHome": "true",
    "PrivateTmp": "true",
}


def parse(path: Path) -> configparser.ConfigParser:
    """Strict: no key twice in a section, no section twice, keys case-sensitive."""
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(), source=str(path))
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(parse(UNITS / name)["Service"]["ExecStart"])


def test_the_three_units_are_there_with_their_sections_and_hardening():
    assert sorted(path.name for path in UNITS.glob("*.service")) == sorted(NAMES)
    for name in NAMES:
        unit = parse(UNITS / name)
        assert unit.sections() == ["Unit", "Service", "Install"], name
        service = unit["Service"]
        assert service["EnvironmentFile"] == "/etc/chorus/chorus.env"
        assert service["WorkingDirectory"] == INSTALL_DIR
        assert service["Restart"] == "always"
        assert service["User"] == "chorus"
        for key, value in HARDENING.items():
            assert service.get(key) == value, (name, key)
        assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_exec_start_runs_what_this_checkout_has():
    commands = get_commands()
    web = exec_start("chorus-web.service")
    assert web[0] == f"{INSTALL_DIR}/.venv/bin/gunicorn"
    assert web[1] == "chorus.wsgi"
    assert (ROOT / "chorus" / "wsgi.py").exists()
    workers = int(web[web.index("--workers") + 1])
    assert workers >= 2
    for name, command in (
        ("chorus-worker.service", "db_worker"),
        ("chorus-scheduler.service", "scheduler"),
    ):
        args = exec_start(name)
        assert args[:3] == [f"{INSTALL_DIR}/.venv/bin/python", "manage.py", command], args
        assert command in commands, f"manage.py has no {command} command"
    assert (ROOT / ".venv" / "bin" / "gunicorn").exists()


def test_the_environment_example_names_every_multi_machine_setting_without_secrets():
    lines = (ROOT / "deploy" / "chorus.env.example").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    for key in ("DATABASE_URL", "REDIS_URL", "SITE_URL", "DATA_DIR"):
        assert values.get(key), key
    assert values["CLICKS_BACKEND"] == "redis"
    # Secrets are left empty for the operator to fill in.
    assert values["SECRET_KEY"] == ""
    assert values["ENCRYPTION_KEYS"] == ""


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """systemd's own parser, on copies pointed at this checkout (so ExecStart exists)."""
    for name in NAMES:
        text = (UNITS / name).read_text().replace(INSTALL_DIR, str(ROOT))
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in NAMES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and bad values are only warnings for systemd: any output is a failure.
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if str(tmp_path) in line] == []
