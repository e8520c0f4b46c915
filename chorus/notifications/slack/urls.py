from django.urls import URLPattern, URLResolver, path

from chorus.notifications.slack.views import incoming, manage, me

urlpatterns: list[URLPattern | URLResolver] = [
    # --- the admin's page: install, channels, disconnect ---
    path("manage/slack/", manage.slack_manage, name="slack_manage"),
    path("manage/slack/install/", manage.slack_install, name="slack_install"),
    path("manage/slack/callback/", manage.slack_install_callback, name="slack_install_callback"),
    path("manage/slack/disconnect/", manage.slack_disconnect, name="slack_disconnect"),
    path("manage/slack/channels/", manage.slack_channels, name="slack_channels"),
    path("manage/slack/channels/add/", manage.slack_route_add, name="slack_route_add"),
    path(
        "manage/slack/channels/<int:slack_route_id>/",
        manage.slack_route_update,
        name="slack_route_update",
    ),
    path(
        "manage/slack/channels/<int:slack_route_id>/resume/",
        manage.slack_route_resume,
        name="slack_route_resume",
    ),
    path(
        "manage/slack/channels/<int:slack_route_id>/remove/",
        manage.slack_route_remove,
        name="slack_route_remove",
    ),
    # --- a member's own Slack account ---
    path("me/slack/", me.slack_me, name="slack_me"),
    path("me/slack/find/", me.slack_me_find, name="slack_me_find"),
    path("me/slack/confirm/", me.slack_me_confirm, name="slack_me_confirm"),
    path("me/slack/unlink/", me.slack_me_unlink, name="slack_me_unlink"),
    # --- what Slack sends (signed by Slack, no session) ---
    path("slack/events", incoming.slack_events, name="slack_events"),
    path("slack/interactivity", incoming.slack_interactivity, name="slack_interactivity"),
]
