from __future__ import annotations

from django_tasks import task

from chorus.content.models import Post, Source
from chorus.core.tenancy import runs_across_organizations, runs_in_organization_of


@task()
@runs_in_organization_of(Post, "post_id")
def post_fetch_preview(*, post_id: int) -> str:
    """Fetch and store the Open Graph preview of a post's link. Returns the outcome."""
    from chorus.content.services.posts import post_update_preview

    return post_update_preview(post_id=post_id)


@task()
@runs_across_organizations("every organization's scheduled and expiring posts")
def posts_advance_schedule() -> dict[str, int]:
    """Scheduled posts go live and live posts expire as their windows say (every minute)."""
    from chorus.content.services.posts import posts_advance_schedule as advance

    return advance()


@task()
@runs_across_organizations("every organization's sources due a poll")
def sources_poll_due() -> int:
    """Hand every source whose next poll has come to the worker (the scheduler runs this)."""
    from chorus.content.services.sources import sources_poll_due as poll_due

    return poll_due()


@task()
@runs_in_organization_of(Source, "source_id")
def source_poll(*, source_id: int) -> str:
    """Poll one source; a broken feed is recorded on the source, never raised."""
    from chorus.content.services.sources import source_poll as poll

    return poll(source_id=source_id)
