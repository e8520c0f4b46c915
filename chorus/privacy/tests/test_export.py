"""A member's export: everything of theirs, nothing of anyone else's, never anonymous
survey answers; built by a task, downloadable by them only, for 7 days."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chorus.notifications.models import Notification
from chorus.privacy.models import DataExport, ExportStatus
from chorus.privacy.services.export import export_path
from chorus.privacy.tasks import exports_expire
from chorus.privacy.tests.conftest import World, unzip

pytestmark = pytest.mark.django_db


def _export(client, world: World, on_commit) -> tuple[DataExport, bytes]:
    client.force_login(world.member.user)
    with on_commit(execute=True):
        response = client.post(reverse("privacy_export_request"), follow=True)
    assert response.status_code == 200
    export = DataExport.objects.get(membership=world.member)
    assert export.status == ExportStatus.READY  # the immediate task backend built it
    download = client.get(reverse("privacy_export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    return export, b"".join(download.streaming_content)


def test_the_zip_holds_the_members_data_and_nothing_of_anyone_else(
    client, world, django_capture_on_commit_callbacks
):
    _export_row, content = _export(client, world, django_capture_on_commit_callbacks)
    files = unzip(content)
    everything = files["data.json"]
    data = json.loads(everything)
    assert data["profile"]["user"]["email"] == "maya.erase@acme.test"
    assert [row["text"] for row in data["shares"]] == ["Share text MAYA-MARK"]
    assert "Share text MAYA-MARK" in files["shares.csv"]
    assert {row["reason"] for row in data["suggestions"]} == {"Suggested MAYA-MARK"}
    assert [row["body"] for row in data["space_messages"]] == ["Message MAYA-MARK"]
    assert len(data["care_replies"]) == 2
    assert sum(row["points"] for row in data["points"]) == 10
    assert [row["name"] for row in data["api_tokens"]] == ["Token MAYA-MARK"]
    assert len(data["connected_accounts"]) == 1
    assert sum(day["clicks"] for day in data["link_clicks_per_day"]) == 3
    assert len(data["link_clicks_per_day"]) == 2  # two days
    assert len(data["survey_answers_by_name"]) == 1
    assert len(data["surveys_answered"]) == 1
    assert data["consents"][0]["action"] == "joined"
    # One CSV per table, and a README that says what each is.
    for name in ("shares.csv", "points.csv", "link_clicks_per_day.csv", "profile.csv"):
        assert name in files
        assert name in files["README.txt"]
    assert "Anonymous survey answers are not in this export" in files["README.txt"]
    whole = "\n".join(files.values())
    # Nothing of the colleague or of the other organization.
    for foreign in ("COLIN-MARK", "STAN-MARK", "colin@acme.test", "Colin Otherperson"):
        assert foreign not in whole
    # Never secrets, visitors' keys or the anonymous survey answers (even their own).
    assert "secret-token" not in whole
    assert "visitor-" not in whole
    assert "Anonymous words" not in whole
    assert "token_hash" not in whole and "access_token" not in whole


def test_the_member_is_told_in_the_app_when_it_is_ready(
    client, world, django_capture_on_commit_callbacks
):
    _export(client, world, django_capture_on_commit_callbacks)
    notice = Notification.objects.get(membership=world.member, kind="data_export_ready")
    assert notice.url == reverse("privacy_data")


def test_another_member_cannot_download_it(client, world, django_capture_on_commit_callbacks):
    export, _content = _export(client, world, django_capture_on_commit_callbacks)
    client.force_login(world.colleague.user)
    assert client.get(reverse("privacy_export_download", args=[export.pk])).status_code == 404
    client.force_login(world.admin.user)
    assert client.get(reverse("privacy_export_download", args=[export.pk])).status_code == 404


def test_one_export_at_a_time(client, world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(world.member.user)
    client.post(reverse("privacy_export_request"))
    response = client.post(reverse("privacy_export_request"), follow=True)
    assert "already being prepared" in response.content.decode()
    assert DataExport.objects.filter(membership=world.member).count() == 1


def test_an_export_is_deleted_after_seven_days(client, world, django_capture_on_commit_callbacks):
    export, _content = _export(client, world, django_capture_on_commit_callbacks)
    path = export_path(export)
    assert path.exists()
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        exports_expire.call()
    assert path.exists()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        exports_expire.call()
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    client.force_login(world.member.user)
    assert client.get(reverse("privacy_export_download", args=[export.pk])).status_code == 404


def test_the_api_requests_reads_and_downloads_the_callers_export(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/me/data-exports")
    assert created.status_code == 202, created.content
    export_id = created.json()["id"]
    assert client.get(f"/api/v1/me/data-exports/{export_id}").json()["status"] == "ready"
    download = client.get(f"/api/v1/me/data-exports/{export_id}/download")
    assert download.status_code == 200
    assert "data.json" in unzip(b"".join(download.streaming_content))
    client.force_login(world.colleague.user)
    assert client.get(f"/api/v1/me/data-exports/{export_id}").status_code == 404
    assert client.get(f"/api/v1/me/data-exports/{export_id}/download").status_code == 404
