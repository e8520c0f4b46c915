"""Store the preview image of posts whose preview was fetched before Chorus kept images."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chorus.content.models import Post, PostState, PreviewStatus
from chorus.core.tenancy import runs_across_organizations


class Command(BaseCommand):
    help = (
        "Fetch the preview again for every post whose preview names an image that is not "
        "stored yet (posts whose preview was fetched before Chorus stored preview images). "
        "Hands them to the worker, or fetches them here with --now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Fetch here, one after the other, not in the worker"
        )

    @runs_across_organizations("posts of every organization whose preview image is missing")
    def handle(self, *args: Any, now: bool, **options: Any) -> None:
        from chorus.content.services.posts import post_update_preview
        from chorus.content.tasks import post_fetch_preview

        post_ids = list(
            Post.objects.filter(preview_status=PreviewStatus.OK, preview_image="")
            .exclude(preview_image_url="")
            .exclude(state=PostState.ARCHIVED)
            .values_list("pk", flat=True)
        )
        for post_id in post_ids:
            if now:
                post_update_preview(post_id=post_id)
            else:
                post_fetch_preview.enqueue(post_id=post_id)
        done = "fetched" if now else "handed to the worker"
        self.stdout.write(f"{len(post_ids)} post preview(s) {done}.")
