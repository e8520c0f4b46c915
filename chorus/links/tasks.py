from __future__ import annotations

from django_tasks import task


@task()
def clicks_drain() -> int:
    """Store the clicks the redirect answered since the last run."""
    from chorus.links.clicks import clicks_drain as drain

    return drain()
