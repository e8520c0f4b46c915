from django.urls import URLPattern, URLResolver, path

from chorus.notifications.webpush.views import app, devices

urlpatterns: list[URLPattern | URLResolver] = [
    # The installable app: at the root, because a service worker's scope is its folder.
    path("manifest.webmanifest", app.web_manifest, name="web_manifest"),
    path("sw.js", app.service_worker, name="service_worker"),
    path("offline/", app.offline, name="offline"),
    # A member's devices.
    path("me/devices/", devices.push_devices, name="push_devices"),
    path("me/devices/subscribe/", devices.push_device_subscribe, name="push_device_subscribe"),
    path(
        "me/devices/<int:subscription_id>/test/",
        devices.push_device_test,
        name="push_device_test",
    ),
    path(
        "me/devices/<int:subscription_id>/remove/",
        devices.push_device_remove,
        name="push_device_remove",
    ),
]
