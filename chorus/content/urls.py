from django.urls import path

from chorus.content.views import calendar, posts, review, rules, sources, suggestions

urlpatterns = [
    path("manage/posts/", posts.post_list, name="posts"),
    path("manage/posts/new/", posts.post_create, name="post_create"),
    path("manage/posts/check-caption/", posts.post_caption_check, name="post_caption_check"),
    path("manage/posts/reach/", posts.post_reach, name="post_reach"),
    path("manage/posts/<int:post_id>/", posts.post_detail, name="post_detail"),
    path("manage/posts/<int:post_id>/edit/", posts.post_edit, name="post_edit"),
    path("manage/posts/<int:post_id>/preview/", posts.post_preview, name="post_preview"),
    path(
        "manage/posts/<int:post_id>/versions/<int:version_id>/",
        posts.post_version,
        name="post_version",
    ),
    path("manage/posts/<int:post_id>/images/<int:image_id>/", posts.post_image, name="post_image"),
    path(
        "manage/posts/<int:post_id>/preview-image/",
        posts.post_preview_image,
        name="post_preview_image",
    ),
    path(
        "manage/posts/<int:post_id>/preview-image/small/",
        posts.post_preview_image,
        {"size": "small"},
        name="post_preview_thumbnail",
    ),
    path(
        "manage/posts/<int:post_id>/images/<int:image_id>/alt/",
        posts.post_image_alt,
        name="post_image_alt",
    ),
    path(
        "manage/posts/<int:post_id>/images/<int:image_id>/delete/",
        posts.post_image_delete,
        name="post_image_delete",
    ),
    path("manage/posts/<int:post_id>/submit/", posts.post_submit, name="post_submit"),
    path("manage/posts/<int:post_id>/publish/", posts.post_publish, name="post_publish"),
    path("manage/posts/<int:post_id>/archive/", posts.post_archive, name="post_archive"),
    path("manage/review/", review.review_queue, name="review_queue"),
    path("manage/review/<int:post_id>/", review.review_post, name="review_post"),
    path("manage/review/<int:post_id>/approve/", review.review_approve, name="review_approve"),
    path("manage/review/<int:post_id>/reject/", review.review_reject, name="review_reject"),
    path("manage/rules/", rules.rules, name="rules"),
    path("manage/rules/policy/", rules.rules_policy, name="rules_policy"),
    path("manage/rules/check/", rules.rules_check, name="rules_check"),
    path("manage/rules/<int:rule_id>/edit/", rules.rule_edit, name="rule_edit"),
    path("manage/rules/<int:rule_id>/delete/", rules.rule_delete, name="rule_delete"),
    path("manage/sources/", sources.source_list, name="sources"),
    path("manage/sources/<int:source_id>/", sources.source_detail, name="source_detail"),
    path("manage/sources/<int:source_id>/delete/", sources.source_delete, name="source_delete"),
    path("manage/sources/<int:source_id>/poll/", sources.source_poll, name="source_poll"),
    path("manage/queue/", sources.curation_queue, name="curation_queue"),
    path("manage/queue/<int:item_id>/draft/", sources.queue_item_draft, name="queue_item_draft"),
    path(
        "manage/queue/<int:item_id>/dismiss/", sources.queue_item_dismiss, name="queue_item_dismiss"
    ),
    path("suggestions/", suggestions.my_suggestions, name="my_suggestions"),
    path("suggestions/new/", suggestions.suggestion_create, name="suggestion_create"),
    path("manage/suggestions/", suggestions.suggestions, name="suggestions"),
    path(
        "manage/suggestions/<int:suggestion_id>/accept/",
        suggestions.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "manage/suggestions/<int:suggestion_id>/decline/",
        suggestions.suggestion_decline,
        name="suggestion_decline",
    ),
    path("manage/calendar/", calendar.calendar, name="calendar"),
]
