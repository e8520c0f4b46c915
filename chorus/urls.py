from django.contrib import admin
from django.urls import include, path

from chorus.api.urls import api
from chorus.core.views import errors as core_errors

urlpatterns = [
    path("", include("chorus.core.urls")),
    path("", include("chorus.accounts.urls")),
    path("", include("chorus.content.urls")),
    path("", include("chorus.notifications.urls")),
    path("", include("chorus.notifications.email.urls")),
    path("", include("chorus.notifications.slack.urls")),
    path("", include("chorus.notifications.teams.urls")),
    path("", include("chorus.notifications.webpush.urls")),
    path("", include("chorus.links.urls")),
    path("", include("chorus.sharing.urls")),
    path("", include("chorus.analytics.urls")),
    path("", include("chorus.gamification.urls")),
    path("", include("chorus.writing.urls")),
    path("", include("chorus.training.urls")),
    path("", include("chorus.care.urls")),
    path("", include("chorus.reach.urls")),
    path("", include("chorus.surveys.urls")),
    path("", include("chorus.community.urls")),
    path("", include("chorus.pilot.urls")),
    path("", include("chorus.webhooks.urls")),
    path("", include("chorus.identity.urls")),
    path("", include("chorus.identity.mfa.urls")),
    path("", include("chorus.identity.scim.urls")),
    path("", include("chorus.privacy.urls")),
    path("", include("chorus.operations.urls")),
    path("accounts/", include("allauth.urls")),
    # The language picker on the signed-out pages (set_language, a POST with CSRF).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

handler403 = core_errors.permission_denied
handler404 = core_errors.page_not_found
handler500 = core_errors.server_error
