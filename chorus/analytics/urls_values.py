from django.urls import path

from chorus.analytics.views import values

urlpatterns = [
    path("manage/analytics/values/", values.value_settings, name="value_settings"),
]
