from django.urls import URLPattern, path

from chorus.gamification.views import badges

urlpatterns: list[URLPattern] = [
    path("badges/", badges.badges, name="badges"),
    path("manage/badges/", badges.manage_badges, name="manage_badges"),
    path(
        "manage/badges/suggested/", badges.manage_badges_suggested, name="manage_badges_suggested"
    ),
    path("manage/badges/<int:badge_id>/", badges.manage_badge_edit, name="manage_badge_edit"),
    path(
        "manage/badges/<int:badge_id>/active/",
        badges.manage_badge_active,
        name="manage_badge_active",
    ),
]
