from django.urls import URLPattern, URLResolver, path

from chorus.webhooks.views import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/webhooks/", webhooks.webhooks, name="webhooks"),
    path("manage/webhooks/new/", webhooks.webhook_new, name="webhook_new"),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/",
        webhooks.webhook_endpoint,
        name="webhook_endpoint",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/edit/",
        webhooks.webhook_edit,
        name="webhook_edit",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/enabled/",
        webhooks.webhook_enabled,
        name="webhook_enabled",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/rotate/",
        webhooks.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/delete/",
        webhooks.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/test/",
        webhooks.webhook_test,
        name="webhook_test",
    ),
    path(
        "manage/webhooks/<int:webhook_endpoint_id>/deliveries/<int:webhook_delivery_id>/redeliver/",
        webhooks.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
