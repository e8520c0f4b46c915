"""The audit log reads in words: every action the code records has its label."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

import chorus
from chorus.content.models import PostState
from chorus.core.audit import ACTION_LABELS, audit_action_label, audit_record

SOURCE = Path(chorus.__file__).parent
KEY = re.compile(r'"([a-z_]+\.[a-z_]+)"')


def recorded_actions() -> set[str]:
    """Every action key written as a literal on an `action=` line outside the tests
    (`action="x.y"`, and both keys of `action="x.y" if ... else "x.z"`)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for line in path.read_text().splitlines():
            if re.search(r"\baction=", line):
                found.update(KEY.findall(line.split("action=", 1)[1]))
    # Post transitions are recorded as post.<state>.
    found.update(f"post.{state}" for state in PostState.values)
    return found


def test_every_recorded_action_has_words():
    missing = sorted(action for action in recorded_actions() if action not in ACTION_LABELS)
    assert missing == []
    assert len(recorded_actions()) > 60


def test_an_unknown_action_still_reads_as_words():
    assert audit_action_label("post.approved") == "Approved a post"
    assert audit_action_label("widget.colour_changed") == "Widget colour changed"


def test_the_log_shows_words_not_keys(admin_client, organization, admin_member):
    audit_record(
        organization=organization,
        actor=admin_member.user,
        action="post.approved",
        target_label="Lisbon",
        data={"terms_version": 2},
    )
    body = admin_client.get(reverse("audit_log")).content.decode()
    assert "Approved a post" in body
    assert "post.approved" not in body.replace('value="post.approved"', "")
    assert "terms version" in body
