from __future__ import annotations

from django_tasks import task


@task()
def post_fetch_preview(*, post_id: int) -> str:
    """Fetch and store the Open Graph preview of a post's link. Returns the outcome."""
    from chorus.content.services import post_update_preview

    return post_update_preview(post_id=post_id)
