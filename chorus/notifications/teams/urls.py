from django.urls import URLPattern, URLResolver, path

from chorus.notifications.teams.views import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/teams/", webhooks.teams_webhooks, name="teams_webhooks"),
    path("manage/teams/new/", webhooks.teams_webhook_new, name="teams_webhook_new"),
    path(
        "manage/teams/<int:teams_webhook_id>/",
        webhooks.teams_webhook_edit,
        name="teams_webhook_edit",
    ),
    path(
        "manage/teams/<int:teams_webhook_id>/delete/",
        webhooks.teams_webhook_delete,
        name="teams_webhook_delete",
    ),
    path(
        "manage/teams/<int:teams_webhook_id>/test/",
        webhooks.teams_webhook_test,
        name="teams_webhook_test",
    ),
]
