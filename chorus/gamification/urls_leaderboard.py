from django.urls import URLPattern, path

from chorus.gamification.views.leaderboard import leaderboard

urlpatterns: list[URLPattern] = [
    path("leaderboard/", leaderboard, name="leaderboard"),
]
