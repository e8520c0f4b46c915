from django.urls import path

from chorus.analytics.views import dashboard, me, posts, readiness, values

urlpatterns = [
    path("analytics/", dashboard.dashboard, name="analytics_dashboard"),
    path("analytics/export/", dashboard.dashboard_export, name="analytics_export"),
    path("analytics/readiness/", readiness.readiness, name="analytics_readiness"),
    path(
        "analytics/readiness/export/",
        readiness.readiness_export,
        name="analytics_readiness_export",
    ),
    path("analytics/posts/<int:post_id>/", posts.post_stats, name="analytics_post"),
    path(
        "analytics/posts/<int:post_id>/export/",
        posts.post_stats_export,
        name="analytics_post_export",
    ),
    path("analytics/me/", me.my_stats, name="analytics_me"),
    path("analytics/me/export/", me.my_stats_export, name="analytics_me_export"),
    path("manage/analytics/values/", values.value_settings, name="value_settings"),
]
