from django.urls import URLPattern, URLResolver, path

from chorus.notifications.webpush.views import app

urlpatterns: list[URLPattern | URLResolver] = [
    # The installable app: at the root, because a service worker's scope is its folder.
    path("manifest.webmanifest", app.web_manifest, name="web_manifest"),
    path("sw.js", app.service_worker, name="service_worker"),
    path("offline/", app.offline, name="offline"),
]
