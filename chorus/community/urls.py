from django.urls import URLPattern, URLResolver, path

from chorus.community.views import moderation, spaces, threads

MESSAGE = "spaces/<int:space_id>/threads/<int:thread_id>/messages/<int:message_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("spaces/", spaces.spaces, name="community_spaces"),
    path("spaces/new/", spaces.space_new, name="community_space_new"),
    path(
        "spaces/invitations/<int:space_invitation_id>/",
        spaces.invitation_answer,
        name="community_invitation",
    ),
    path("spaces/<int:space_id>/", spaces.space_detail, name="community_space"),
    path(
        "spaces/<int:space_id>/membership/",
        spaces.space_membership,
        name="community_space_membership",
    ),
    path("spaces/<int:space_id>/settings/", spaces.space_settings, name="community_space_settings"),
    path("spaces/<int:space_id>/threads/new/", threads.thread_new, name="community_thread_new"),
    path("spaces/<int:space_id>/wins/new/", threads.win_new, name="community_win_new"),
    path(
        "spaces/<int:space_id>/threads/<int:thread_id>/",
        threads.thread_detail,
        name="community_thread",
    ),
    path(
        "spaces/<int:space_id>/threads/<int:thread_id>/moderate/",
        threads.thread_moderate,
        name="community_thread_moderate",
    ),
    path(MESSAGE + "edit/", threads.message_edit, name="community_message_edit"),
    path(MESSAGE + "delete/", threads.message_delete, name="community_message_delete"),
    path(MESSAGE + "react/", threads.message_react, name="community_message_react"),
    path(MESSAGE + "report/", threads.message_report, name="community_message_report"),
    path(MESSAGE + "moderate/", threads.message_moderate, name="community_message_moderate"),
    path("manage/moderation/", moderation.moderation, name="community_moderation"),
]
