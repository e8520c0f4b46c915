"""The installable app: its manifest, its service worker and the page shown offline.

All three are public and the same for everyone: the manifest is fetched without cookies,
the service worker is one file for the whole site, and the offline page is stored in the
browser's cache, so it is rendered without the request (no member, no context processors):
nothing personal can end up in a cache.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chorus.accounts.access import public

# The brand's colours (chorus.css: --primary and --bg).
THEME_COLOR = "#3b4bdb"
BACKGROUND_COLOR = "#f6f7f9"
ICONS = [
    ("pwa/icon-192.png", "192x192", "any"),
    ("pwa/icon-512.png", "512x512", "any"),
    ("pwa/icon-maskable-512.png", "512x512", "maskable"),
]


@public
@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    manifest = {
        "id": "/",
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME[:12],
        "description": _("Share your organization's news in your own words."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["business", "productivity", "social"],
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _precache() -> list[str]:
    """What the service worker stores when it installs: the offline page and what it shows."""
    return [
        reverse("offline"),
        static("chorus/chorus.css"),
        static("chorus/favicon.svg"),
        static("pwa/icon-192.png"),
    ]


@public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = _precache()
    # A new list (new static file names after a deployment) or a new offline page is a new
    # worker: the browser compares the bytes and installs it, and it drops the old cache.
    offline = render_to_string("notifications_webpush/offline.html")
    version = hashlib.sha256(json.dumps(precache).encode() + offline.encode()).hexdigest()[:16]
    config = {
        "version": version,
        "offline": reverse("offline"),
        "precache": precache,
        "title": settings.SITE_NAME,
        "icon": static("pwa/icon-192.png"),
        "badge": static("pwa/badge-96.png"),
    }
    body = render_to_string(
        "notifications_webpush/sw.js", {"config": json.dumps(config, ensure_ascii=True)}
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Served from the root, its scope is the whole site; the header says so explicitly.
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigations; never let a cache answer for it.
    response["Cache-Control"] = "no-cache"
    return response


@public
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: the same anonymous page for everyone, in the language
    # the browser asked for.
    response = HttpResponse(render_to_string("notifications_webpush/offline.html"))
    response["Cache-Control"] = "no-cache"
    return response
