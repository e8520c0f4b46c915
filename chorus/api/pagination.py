"""Pagination for API lists, bounded so that no input can ask for an absurd slice."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`; answers `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
        # A bound keeps a huge offset from overflowing the database's integer.
        offset: int = Field(0, ge=0, le=2**31)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
