from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations


@task()
@runs_across_organizations("the redirect's clicks, of every organization")
def clicks_drain() -> int:
    """Store the clicks the redirect answered since the last run."""
    from chorus.links.clicks import clicks_drain as drain

    return drain()
