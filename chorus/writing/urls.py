from django.urls import path

from chorus.writing.views import settings, suggest

urlpatterns = [
    path("manage/writing/", settings.writing_settings, name="writing_settings"),
    path("posts/<int:post_id>/suggest-captions/", suggest.suggest, name="writing_suggest"),
]
