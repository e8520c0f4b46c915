"""/healthz (alive) and /readyz (database, cache, click backend) against real dependencies."""

from __future__ import annotations

import pytest

from chorus.operations.tests.servers import free_port, redis_server


def test_healthz_answers_ok_as_text_without_the_database(client):
    # No `db` fixture: any query would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    # Probes skip sessions: no cookie is ever set, whatever the host header says.
    assert "Set-Cookie" not in response


def test_probes_answer_a_host_outside_allowed_hosts(client, db):
    """A load balancer asks by the node's address, which ALLOWED_HOSTS need not list."""
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_readyz_lists_each_check_when_all_answer(client, db, settings, tmp_path):
    settings.CLICKS_BACKEND = "file"
    settings.CLICKS_DIR = tmp_path / "clicks"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "cache": {"ok": True}, "clicks": {"ok": True}},
    }
    # The write test leaves nothing the drainer would read.
    assert list((tmp_path / "clicks").iterdir()) == []


def test_readyz_is_503_with_the_reason_when_the_cache_is_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["cache"] == {
        "ok": False,
        "error": "the cache did not answer (ConnectionError)",
    }


def test_readyz_is_503_when_the_click_directory_cannot_be_written(client, db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.CLICKS_BACKEND = "file"
    settings.CLICKS_DIR = blocker / "clicks"
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["clicks"]
    assert check["ok"] is False
    assert check["error"].startswith("the click directory is not writable (")


def test_readyz_pings_the_click_stream_redis(client, db, settings):
    settings.CLICKS_BACKEND = "redis"
    with redis_server() as url:
        settings.CLICKS_REDIS_URL = url
        assert client.get("/readyz").json()["checks"]["clicks"] == {"ok": True}


def test_readyz_is_503_when_the_click_stream_redis_is_down(client, db, settings):
    settings.CLICKS_BACKEND = "redis"
    settings.CLICKS_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["clicks"] == {
        "ok": False,
        "error": "the click stream's Redis did not answer (ConnectionError)",
    }


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_logged_at_info(client, db, caplog, path):
    with caplog.at_level("INFO", logger="chorus.requests"):
        client.get(path)
        client.get("/accounts/login/")
    lines = [record.getMessage() for record in caplog.records if record.name == "chorus.requests"]
    assert lines == ["GET /accounts/login/ 200"]
