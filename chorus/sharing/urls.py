from django.urls import path

from chorus.sharing.views import (
    connections,
    feed,
    history,
    network_settings,
    review,
    share,
    topics,
)
from chorus.sharing.views import post as post_page

urlpatterns = [
    # The member's feed, share dialog and history.
    path("feed/", feed.feed, name="feed"),
    path("feed/<int:post_id>/", post_page.feed_post_page, name="feed_post"),
    path("feed/<int:post_id>/share/", share.share_dialog, name="share_dialog"),
    path("feed/<int:post_id>/share/network/", share.share_network, name="share_network"),
    path("feed/<int:post_id>/share/check/", share.share_check_view, name="share_check"),
    path("feed/<int:post_id>/share/open/", share.share_open, name="share_open"),
    path("feed/<int:post_id>/share/status/", share.share_status, name="share_status"),
    path("feed/<int:post_id>/share/publish/", share.share_publish, name="share_publish"),
    path("shares/<int:share_id>/cancel/", share.share_cancel_view, name="share_cancel"),
    path("shares/<int:share_id>/done/", share.share_done, name="share_done"),
    path("shares/<int:share_id>/undo/", share.share_undo, name="share_undo"),
    path("shares/", history.share_history, name="share_history"),
    # Topics: the ones a member follows (first in their feed), the curators' figures.
    path("feed/topics/", topics.topic_follows, name="topic_follows"),
    path(
        "feed/topics/<int:topic_id>/follow/",
        topics.topic_follow_change,
        name="topic_follow_change",
    ),
    path("manage/topics/", topics.topics_manage, name="topics_manage"),
    # Connected accounts (OAuth) and the admin's network settings.
    path("connections/", connections.connections, name="connections"),
    path("connections/connect/", connections.connection_connect, name="connection_connect"),
    path("connections/callback/", connections.connection_callback, name="connection_callback"),
    path("connections/password/", connections.connection_password, name="connection_password"),
    path(
        "connections/<int:connection_id>/disconnect/",
        connections.connection_disconnect_view,
        name="connection_disconnect",
    ),
    path("connections/auto-share/", connections.autoshare_update, name="autoshare_update"),
    path("manage/networks/", network_settings.network_settings, name="network_settings"),
    # Edited texts sent to an approver: the approvers' queue, the member's approved texts.
    path("manage/review/captions/", review.caption_review_queue, name="caption_review_queue"),
    path(
        "manage/review/captions/<int:share_id>/approve/",
        review.caption_review_approve,
        name="caption_review_approve",
    ),
    path(
        "manage/review/captions/<int:share_id>/reject/",
        review.caption_review_reject,
        name="caption_review_reject",
    ),
    path("shares/<int:share_id>/open/", review.share_open_approved, name="share_open_approved"),
]
