"""The site's own address follows where it is served: `make run` with HOST and PORT, or
SITE_URL behind a proxy. Every link Chorus writes (tracked links, invitations, OAuth
redirects, the printed sign-in line) starts with it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from chorus.accounts.services.invitations import invitation_create
from chorus.links.services.links import short_url_base
from chorus.sharing.services.connections import callback_url

ROOT = Path(__file__).resolve().parents[3]


def make_run_site_url(**env: str) -> str:
    """The SITE_URL `make run` gives the server, computed by the Makefile itself."""
    environment = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "SITE_URL")}
    result = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            "site-url: ; @echo $(RUN_SITE_URL)",
            "site-url",
        ],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8101"}, "http://127.0.0.1:8101"),
        ({"HOST": "192.0.2.10", "PORT": "9000"}, "http://192.0.2.10:9000"),
        ({"HOST": "0.0.0.0", "PORT": "8101"}, "http://127.0.0.1:8101"),
    ],
)
def test_make_run_serves_links_on_its_own_address(env, expected):
    assert make_run_site_url(**env) == expected


def test_every_link_uses_the_public_address(
    settings, organization, admin_member, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://chorus.example.com"
    assert short_url_base(organization_id=organization.pk) == "https://chorus.example.com"
    assert callback_url().startswith("https://chorus.example.com/")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organization=organization, actor=admin_member.user, email="new@acme.test")
    assert "https://chorus.example.com/invitations/" in mail.outbox[-1].body


def test_the_demo_prints_where_to_sign_in(db, settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Sign in at http://127.0.0.1:8101 with" in out.getvalue()
