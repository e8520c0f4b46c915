"""Writes of the feed: remembering which posts a member has seen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.sharing.models import PostView


def post_views_record(*, membership: Membership, post_ids: Iterable[int]) -> None:
    """Mark the posts as seen by the member (one statement; earlier views are kept).

    One INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite): bulk_create would wrap
    it in BEGIN and COMMIT, two more round trips on every feed page with new cards.
    """
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return
    seen_at = connection.ops.adapt_datetimefield_value(timezone.now())
    meta = PostView._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(column[name])
        for name in ("organization", "membership", "post", "seen_at")
    )
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(ids))
    parameters: list[Any] = []
    for post_id in ids:
        parameters += [membership.organization_id, membership.pk, post_id, seen_at]
    table = connection.ops.quote_name(meta.db_table)
    # Table and column names come from the model; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
