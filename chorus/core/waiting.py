"""`Waiting`: how many things wait for someone, and the first few of them.

The homes (chorus/home.py) show each queue as a count and its first items; every app's
`selectors/home.py` answers with one of these, read in two queries whatever the queue's
length (the count, and the first `limit` rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Waiting(Generic[T]):
    count: int
    first: list[T] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def more(self) -> int:
        """How many are not among the first."""
        return max(self.count - len(self.first), 0)


def waiting(rows: QuerySet[M], *, limit: int) -> Waiting[M]:
    """The count of `rows` and the first `limit` of them in the queryset's order (always
    two queries, so a page's query count does not depend on how much waits)."""
    return Waiting(count=rows.count(), first=list(rows[:limit]))
