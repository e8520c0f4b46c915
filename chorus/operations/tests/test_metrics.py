"""/metrics: the token rules, and families whose values follow what really happened."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from chorus.accounts.services import tokens as token_services
from chorus.core.metrics import HotCounter
from chorus.factories import PostFactory, ShareFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink, GuardedSink
from chorus.links.tests.edge_client import call, django_app
from chorus.notifications.messages import Channel
from chorus.notifications.models import DeliveryPreference
from chorus.notifications.services import sending
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import PublishAttempt

TOKEN = "s3cret-scrape-token"
DB_TASKS = {"default": {"BACKEND": "chorus.core.task_backend.DatabaseBackend"}}


def run_ready_tasks() -> int:
    """What db_worker does for each ready task (claim it, run it), without its polling loop
    (which closes the test's database connection)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    for result in DBTaskResult.objects.ready():
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def scrape(client, token=TOKEN):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        family.name: family for family in text_string_to_metric_families(response.content.decode())
    }


def value(families, name, sample_name=None, **labels):
    family = families[name]
    for sample in family.samples:
        if sample.name == (sample_name or name) and all(
            sample.labels.get(key) == str(wanted) for key, wanted in labels.items()
        ):
            return sample.value
    return None


def test_metrics_is_404_without_a_configured_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize(
    "header", ["", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"]
)
def test_metrics_refuses_a_wrong_or_missing_token(client, db, settings, header):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"chorus_" not in response.content


def test_requests_are_counted_by_route_name_never_by_path(client, db, settings, organization):
    settings.METRICS_TOKEN = TOKEN
    before = scrape(client)
    previous = (
        value(
            before,
            "chorus_http_requests",
            "chorus_http_requests_total",
            method="GET",
            route="account_login",
            status="2xx",
        )
        or 0
    )
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no/such/page/12345/")
    families = scrape(client)
    assert (
        value(
            families,
            "chorus_http_requests",
            "chorus_http_requests_total",
            method="GET",
            route="account_login",
            status="2xx",
        )
        == previous + 2
    )
    assert (
        value(
            families,
            "chorus_http_request_duration_seconds",
            "chorus_http_request_duration_seconds_count",
            method="GET",
            route="account_login",
            status="2xx",
        )
        == previous + 2
    )
    routes = {sample.labels["route"] for sample in families["chorus_http_requests"].samples}
    assert "unmatched" in routes
    assert not any("/" in route or "12345" in route for route in routes)


@override_settings(TASKS=DB_TASKS)
def test_families_follow_clicks_tasks_deliveries_and_publishing(
    client, settings, tmp_path, organization, admin_member, django_capture_on_commit_callbacks
):
    settings.METRICS_TOKEN = TOKEN
    settings.CLICKS_BACKEND = "file"
    settings.CLICKS_DIR = tmp_path / "clicks"

    # A click on a tracked link, answered by the edge: counted, and waiting in a file.
    post = PostFactory(organization=organization, link_url="https://acme.example/", state="live")
    link = link_mint(post=post)
    edge = LinkEdge(
        django_app, resolver=LinkResolver(), sink=GuardedSink(FileSink(tmp_path / "clicks"))
    )
    before = scrape(client)
    redirected = (
        value(before, "chorus_redirects", "chorus_redirects_total", outcome="redirected") or 0
    )
    not_found = (
        value(before, "chorus_redirects", "chorus_redirects_total", outcome="not_found") or 0
    )
    assert call(edge, f"/l/{link.code}")[0] == 302
    assert call(edge, "/l/nosuchcode1")[0] == 404

    # A task enqueued by a request (an invitation's email), waiting for a worker.
    _, secret = token_services.api_token_create(membership=admin_member, name="metrics test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/invitations",
            {"email": "new@acme.test", "roles": ["employee"]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
    assert response.status_code == 201, response.content

    # A notification delivered by email.
    DeliveryPreference.objects.update_or_create(
        membership=admin_member,
        defaults={
            "organization_id": organization.pk,
            "choices": {"shares": [Channel.IN_APP, Channel.EMAIL]},
            "quiet_hours": False,
        },
    )
    notification_create(membership=admin_member, kind="share_failed", message="Your share failed")
    assert sending.deliveries_send_run(organization_id=organization.pk) == 1

    # A share whose publishing failed, with its attempt, as publishing writes them.
    share = ShareFactory(membership=admin_member, post=post, status="failed")
    PublishAttempt.objects.create(share=share, outcome="rejected", status_code=422)

    families = scrape(client)
    assert (
        value(families, "chorus_redirects", "chorus_redirects_total", outcome="redirected")
        == redirected + 1
    )
    assert (
        value(families, "chorus_redirects", "chorus_redirects_total", outcome="not_found")
        == not_found + 1
    )
    assert value(families, "chorus_click_backlog_files") == 1
    assert value(families, "chorus_click_backlog_bytes") > 0
    assert 0 <= value(families, "chorus_click_backlog_oldest_seconds") < 60
    assert value(families, "chorus_tasks", queue="default", status="ready") == 1
    assert value(families, "chorus_tasks_oldest_ready_seconds") >= 0
    assert value(families, "chorus_deliveries_last_hour", channel="email", status="sent") == 1
    assert value(families, "chorus_shares_changed_last_hour", status="failed") == 1
    assert value(families, "chorus_publish_attempts_last_hour", outcome="rejected") == 1
    assert {sample.value for sample in families["chorus_collector_errors"].samples} == {0}

    # The worker runs the task: no longer ready, counted as successful.
    run_ready_tasks()
    families = scrape(client)
    assert value(families, "chorus_tasks", queue="default", status="ready") is None
    assert value(families, "chorus_tasks", queue="default", status="successful") == 1
    assert value(families, "chorus_tasks_oldest_ready_seconds") == 0


def test_a_failing_source_is_reported_and_the_rest_still_served(client, db, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.CLICKS_BACKEND = "redis"
    settings.CLICKS_REDIS_URL = "redis://127.0.0.1:1/0"  # nobody answers there
    families = scrape(client)
    assert value(families, "chorus_collector_errors", source="clicks") == 1
    assert value(families, "chorus_collector_errors", source="tasks") == 0
    assert "chorus_tasks" in families


def test_the_redirect_counter_loses_nothing_across_threads_and_scrapes():
    registry = CollectorRegistry()
    family = Counter("test_hot", "A hot counter under test.", registry=registry)
    counter = HotCounter(family)

    def count() -> None:
        for _ in range(20_000):
            counter.inc(time.time())

    def scrape_meanwhile() -> None:
        for _ in range(200):
            counter.flush()

    threads = [threading.Thread(target=count) for _ in range(6)]
    threads.append(threading.Thread(target=scrape_meanwhile))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Published along the way never more than counted; everything after a flush.
    assert registry.get_sample_value("test_hot_total") <= 120_000
    counter.flush()
    assert registry.get_sample_value("test_hot_total") == 120_000


def test_the_redirect_counter_publishes_by_itself_within_a_second():
    registry = CollectorRegistry()
    counter = HotCounter(Counter("test_lazy", "A hot counter under test.", registry=registry))
    counter.inc(1000.0)  # the first count publishes and sets the next moment
    counter.inc(1000.5)
    counter.inc(1000.9)
    assert registry.get_sample_value("test_lazy_total") == 1
    counter.inc(1001.0)
    assert registry.get_sample_value("test_lazy_total") == 4


COUNT_IN_A_WORKER = """
import django
django.setup()
import time
from chorus.core import metrics
for _ in range({n}):
    metrics.http_requests.labels("GET", "home", "2xx").inc()
    metrics.REDIRECTED.inc(time.time())
"""
SCRAPE = """
import django
django.setup()
from prometheus_client import generate_latest
from chorus.operations.collectors import SOURCES
from chorus.operations.views.metrics import scrape_registry
SOURCES.clear()  # the counters only: this process has no test database
print(generate_latest(scrape_registry()).decode())
"""


def test_multiprocess_mode_adds_up_every_worker_process(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, a scrape in one process sums what every process
    counted, the redirect's counts included."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "chorus.settings",
        "DATA_DIR": str(tmp_path / "data"),
    }
    for n in (3, 4):
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_WORKER.format(n=n)], env=environment, check=True
        )
    scraped = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=environment, check=True, capture_output=True, text=True
    ).stdout
    families = {family.name: family for family in text_string_to_metric_families(scraped)}
    assert (
        value(
            families,
            "chorus_http_requests",
            "chorus_http_requests_total",
            method="GET",
            route="home",
            status="2xx",
        )
        == 7
    )
    # Each process published its first redirect at once, the rest when it exited.
    assert value(families, "chorus_redirects", "chorus_redirects_total", outcome="redirected") == 7
