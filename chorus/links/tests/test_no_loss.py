"""No answered click is lost: not when the web process is killed right after answering, not
when the drainer dies halfway.

The kill test starts the real production server (granian, one worker) serving
`chorus.wsgi:application` against this test's database, fires requests at it, SIGKILLs its
whole process group right after the last answer, drains the click files, and checks that
every answered request is stored.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from chorus.content.models import PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.links.models import Click, Link
from chorus.links.services.links import clicks_store, link_mint
from chorus.links.sinks import ClickRecord, FileSink, decode, encode
from chorus.links.tests.edge_client import IPHONE

ROOT = Path(settings.BASE_DIR)
GRANIAN = Path(sys.executable).parent / "granian"
USER_AGENTS = [
    IPHONE,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/137.0.0.0 Safari/537.36",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "WhatsApp/2.23.20.0 A",
]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, clicks_dir: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CLICKS_DIR": str(clicks_dir),
        "CLICKS_BACKEND": "file",
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "kill-test-secret-key-that-is-long-enough-0123456789",
        "DJANGO_SETTINGS_MODULE": "chorus.settings",
    }
    args = [str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", "1", "--no-log", "chorus.wsgi:application"]
    # Its own process group, so one signal reaches the server and its worker.
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def get(port: int, path: str, *, method: str = "GET", ua: str = IPHONE) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={"User-Agent": ua, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_until_up(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode() if server.stderr else "died")
        try:
            get(port, "/l/unknown-code")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("The server did not come up in 30 s.")


@pytest.mark.skipif(not GRANIAN.exists(), reason="granian is not installed in this environment")
@pytest.mark.django_db(transaction=True)
def test_killing_the_server_right_after_answering_loses_no_click(tmp_path):
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization)
    codes = []
    for network in ("linkedin", "x", "facebook"):
        post = PostFactory(
            organization=organization, link_url="https://acme.example/", state=PostState.LIVE
        )
        codes.append(link_mint(post=post, membership=member, network=network).code)
    clicks_dir = tmp_path / "clicks"
    port = free_port()
    server = start_server(port, clicks_dir, tmp_path)
    try:
        wait_until_up(server, port)
        # 300 requests: a sequential run, then concurrent ones, people, bots and HEADs.
        plan = [
            (f"/l/{codes[i % 3]}", "HEAD" if i % 17 == 0 else "GET", USER_AGENTS[i % 4])
            for i in range(300)
        ]
        statuses = [get(port, path, method=m, ua=ua) for path, m, ua in plan[:60]]
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses += list(pool.map(lambda p: get(port, p[0], method=p[1], ua=p[2]), plan[60:]))
    finally:
        # Right after the last answer: no chance to flush, close or exit cleanly.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    answered = statuses.count(302)
    assert answered == 300, statuses
    assert server.returncode == -signal.SIGKILL
    assert not Click.objects.exists()  # nothing was written in the requests

    drained = FileSink(clicks_dir).drain(clicks_store, now=time.time() + 60)

    assert drained == answered
    assert Click.objects.count() == answered
    totals = [(link.clicks + link.self_clicks + link.previews) for link in Link.objects.all()]
    assert sum(totals) == answered
    # A crawler's HEAD is recorded as that bot; a browser's as a HEAD.
    heads = sum(1 for _path, method, ua in plan if method == "HEAD" and ua in USER_AGENTS[:2])
    assert Click.objects.filter(kind="head").count() == heads
    assert not list(clicks_dir.glob("clicks-*"))


# The drainer's side ---------------------------------------------------------------------


def records(link, n, *, start=0):
    now = time.time()
    return [
        ClickRecord(
            event_id=f"event-{start + i}",
            moment=now - 100,
            link_id=link.pk,
            organization_id=link.organization_id,
            kind="click",
            bot="",
            referrer="",
            user_agent=IPHONE,
            visitor=f"visitor-{start + i}",
            user_id=None,
        )
        for i in range(n)
    ]


@pytest.fixture
def link(organization):
    post = PostFactory(organization=organization, link_url="https://acme.example/", state="live")
    return link_mint(post=post)


def old_bucket_file(directory: Path, name: str = "1-1") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    bucket = int(time.time() - 120) // FileSink.BUCKET_SECONDS
    return directory / f"clicks-{bucket}-{name}.tsv"


def test_a_partial_trailing_line_is_skipped_and_the_rest_stored(tmp_path, link):
    path = old_bucket_file(tmp_path)
    whole = b"".join(encode(r) for r in records(link, 3))
    partial = encode(records(link, 1, start=3)[0])[:-20]  # cut mid-write by a crash
    path.write_bytes(whole + partial)
    assert FileSink(tmp_path).drain(clicks_store) == 3
    link.refresh_from_db()
    assert link.clicks == 3
    assert not path.exists()


def test_files_written_before_the_upgrade_under_their_old_name_are_drained_too(tmp_path, link):
    # Until the files were named ".tsv" they were named ".jsonl", with the same lines.
    old = old_bucket_file(tmp_path).with_suffix(".jsonl")
    old.write_bytes(b"".join(encode(r) for r in records(link, 2)))
    old_bucket_file(tmp_path, "2-2").write_bytes(
        b"".join(encode(r) for r in records(link, 3, start=2))
    )
    assert FileSink(tmp_path).drain(clicks_store) == 5
    link.refresh_from_db()
    assert link.clicks == 5
    assert not list(tmp_path.glob("clicks-*"))


def test_an_unreadable_or_malformed_line_does_not_block_the_file(tmp_path, link):
    path = old_bucket_file(tmp_path)
    good = records(link, 2)
    bad = [b"{not json}\n", json.dumps({"id": "x", "l": "nope", "t": "later"}).encode() + b"\n"]
    path.write_bytes(encode(good[0]) + bad[0] + bad[1] + encode(good[1]))
    FileSink(tmp_path).drain(clicks_store)
    link.refresh_from_db()
    assert link.clicks == 2
    assert not path.exists()


def test_a_drainer_killed_between_storing_and_deleting_counts_nothing_twice(tmp_path, link):
    path = old_bucket_file(tmp_path)
    path.write_bytes(b"".join(encode(r) for r in records(link, 5)))
    # The first drainer stores every record, then dies before it deletes the file.
    assert FileSink(tmp_path).ready_files() == [path]
    clicks_store([decode(line) for line in path.read_bytes().splitlines(keepends=True)])
    assert path.exists()
    # The next run drains the same file again.
    FileSink(tmp_path).drain(clicks_store)
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks) == (5, 5)
    assert Click.objects.count() == 5
    assert not path.exists()


def test_a_drainer_killed_between_two_batches_of_one_file_counts_nothing_twice(tmp_path, link):
    path = old_bucket_file(tmp_path)
    path.write_bytes(b"".join(encode(r) for r in records(link, 7)))
    stored_batches = []

    def dies_after_the_first_batch(batch):
        if stored_batches:
            raise KeyboardInterrupt  # killed
        stored_batches.append(clicks_store(batch))

    with pytest.raises(KeyboardInterrupt):
        FileSink(tmp_path).drain(dies_after_the_first_batch, batch_size=3)
    assert stored_batches == [3]
    FileSink(tmp_path).drain(clicks_store, batch_size=3)
    link.refresh_from_db()
    assert link.clicks == 7
    assert Click.objects.count() == 7


def test_the_current_bucket_is_left_to_its_writer(tmp_path, link):
    sink = FileSink(tmp_path)
    sink.append(records(link, 1)[0])
    assert sink.drain(clicks_store) == 0  # still being written
    assert sink.drain(clicks_store, now=time.time() + 60) == 1


def test_a_thread_per_request_server_does_not_leak_file_descriptors(tmp_path, link):
    import threading

    sink = FileSink(tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    for i in range(200):
        thread = threading.Thread(target=sink.append, args=(records(link, 1, start=i)[0],))
        thread.start()
        thread.join()
    assert len(os.listdir("/proc/self/fd")) - before < 10
    assert sink.drain(clicks_store, now=time.time() + 60) == 200


def test_two_drainers_on_the_same_file_count_it_once_and_neither_fails(tmp_path, link):
    path = old_bucket_file(tmp_path)
    path.write_bytes(b"".join(encode(r) for r in records(link, 4)))

    def while_another_drainer_finishes_the_same_file(batch):
        clicks_store(batch)
        FileSink(tmp_path).drain(clicks_store)  # stores nothing new, deletes the file

    assert FileSink(tmp_path).drain(while_another_drainer_finishes_the_same_file) == 4
    link.refresh_from_db()
    assert link.clicks == 4
    assert not path.exists()


def test_a_forked_worker_writes_its_own_file_and_its_own_event_ids(tmp_path):
    from chorus.links.edge import event_ids

    sink = FileSink(tmp_path)
    now = time.time()
    sink.append_line(b"parent\n", now)
    parent_id = event_ids.next()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker a server forks after loading the application
        try:
            os.close(read)
            sink.append_line(b"child\n", now)
            os.write(write, event_ids.next().encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    child_id = os.read(read, 100).decode()
    os.close(read)
    sink.append_line(b"parent again\n", now)
    files = {path.name.split("-")[2]: path.read_bytes() for path in tmp_path.glob("clicks-*")}
    assert files == {str(os.getpid()): b"parent\nparent again\n", str(child): b"child\n"}
    # Same counter position, different process: the ids must still differ.
    assert child_id[:16] != parent_id[:16]
