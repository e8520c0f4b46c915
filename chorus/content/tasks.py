from __future__ import annotations

from django_tasks import task


@task()
def post_fetch_preview(*, post_id: int) -> str:
    """Fetch and store the Open Graph preview of a post's link. Returns the outcome."""
    from chorus.content.services.posts import post_update_preview

    return post_update_preview(post_id=post_id)


@task()
def posts_advance_schedule() -> dict[str, int]:
    """Scheduled posts go live and live posts expire as their windows say (every minute)."""
    from chorus.content.services.posts import posts_advance_schedule as advance

    return advance()


@task()
def sources_poll_due() -> int:
    """Hand every source whose next poll has come to the worker (the scheduler runs this)."""
    from chorus.content.services.sources import sources_poll_due as poll_due

    return poll_due()


@task()
def source_poll(*, source_id: int) -> str:
    """Poll one source; a broken feed is recorded on the source, never raised."""
    from chorus.content.services.sources import source_poll as poll

    return poll(source_id=source_id)
