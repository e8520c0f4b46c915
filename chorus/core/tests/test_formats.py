"""Dates and times read one way throughout: "4 Dec 2026", "20:57" (never "Dec. 4, 2026",
"8:57 p.m.")."""

from __future__ import annotations

import datetime

from django.template import Context, Template
from django.utils import formats, translation


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


def test_german_dates_name_the_month_and_numbers_use_a_decimal_comma():
    moment = datetime.datetime(2026, 12, 4, 20, 57)
    with translation.override("de"):
        rendered = Template(
            "{% load l10n %}{{ moment }}|{{ moment|date }}|{{ moment|time }}"
            '|{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ day }}|{{ number }}'
        ).render(Context({"moment": moment, "day": moment.date(), "number": 1234.5}))
        grouped = formats.number_format(1234567, force_grouping=True)
        first_day = formats.get_format("FIRST_DAY_OF_WEEK")
    assert rendered == (
        "4. Dez. 2026, 20:57|4. Dez. 2026|20:57|4. Dez. 2026, 20:57|4. Dez. 2026|1234,5"
    )
    assert grouped == "1.234.567"
    assert first_day == 1


def test_german_months_read_in_full_where_they_are_short():
    with translation.override("de"):
        assert formats.date_format(datetime.date(2026, 3, 9)) == "9. März 2026"
        assert formats.date_format(datetime.date(2026, 5, 1), "YEAR_MONTH_FORMAT") == "Mai 2026"
