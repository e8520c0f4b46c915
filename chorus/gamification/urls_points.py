from django.urls import URLPattern, path

from chorus.gamification.views.points import my_points
from chorus.gamification.views.settings import gamification_settings

urlpatterns: list[URLPattern] = [
    path("points/", my_points, name="my_points"),
    path("manage/gamification/", gamification_settings, name="gamification_settings"),
]
