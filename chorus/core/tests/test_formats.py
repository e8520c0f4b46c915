"""Dates and times read one way throughout: "4 Dec 2026", "20:57" (never "Dec. 4, 2026",
"8:57 p.m.")."""

from __future__ import annotations

import datetime

from django.template import Context, Template
from django.utils import formats


def test_dates_and_times_have_one_style():
    moment = datetime.datetime(2026, 12, 4, 20, 57)
    rendered = Template(
        '{{ moment }}|{{ moment|date }}|{{ moment|time }}|{{ moment|date:"DATETIME_FORMAT" }}'
        '|{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ day }}'
    ).render(Context({"moment": moment, "day": moment.date()}))
    assert rendered == (
        "4 Dec 2026, 20:57|4 Dec 2026|20:57|4 Dec 2026, 20:57|4 Dec 2026, 20:57|4 Dec 2026"
    )
    assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_a_moment_ago_reads_naturally(db):
    from django.utils import timezone

    from chorus.factories import ShareFactory

    share = ShareFactory(status="opened", created_at=timezone.now())
    html = Template('{% include "sharing/share_status.html" %}').render(
        Context({"share": share, "post": share.post, "choice": None})
    )
    assert "Opened now." in html
    assert "0 minutes" not in html
