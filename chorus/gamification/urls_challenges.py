from django.urls import URLPattern, path

from chorus.gamification.views import challenges

urlpatterns: list[URLPattern] = [
    path("challenges/", challenges.challenges, name="challenges"),
    path("manage/challenges/", challenges.manage_challenges, name="manage_challenges"),
    path(
        "manage/challenges/<int:challenge_id>/",
        challenges.manage_challenge,
        name="manage_challenge",
    ),
    path(
        "manage/challenges/<int:challenge_id>/delete/",
        challenges.manage_challenge_delete,
        name="manage_challenge_delete",
    ),
]
