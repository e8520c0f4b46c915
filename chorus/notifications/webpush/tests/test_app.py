"""The installable app (manifest, service worker, offline page) and the VAPID identity."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.staticfiles import finders
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from chorus.notifications.webpush.models import VapidKey
from chorus.notifications.webpush.services.keys import vapid_identity, vapid_public_key
from chorus.notifications.webpush.transport import public_key_text


def test_the_manifest_makes_chorus_installable(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Chorus"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), icon in icons.items():
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path is not None, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == sizes


def test_the_maskable_icon_fills_its_square():
    path = finders.find("pwa/icon-maskable-512.png")
    with Image.open(path) as image:
        corners = [image.getpixel(xy) for xy in [(0, 0), (511, 0), (0, 511), (511, 511)]]
    assert all(pixel[3] == 255 for pixel in corners)  # type: ignore[index]


def test_the_manifest_speaks_the_browsers_language(client):
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "de"}).json()

    assert manifest["lang"] == "de"


def test_the_service_worker_covers_the_whole_site_and_is_never_cached(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    config = json.loads(source.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == "/offline/"
    assert "/offline/" in config["precache"]
    # Only the offline page and public static files: no page of anyone's.
    assert all(url == "/offline/" or url.startswith("/static/") for url in config["precache"])
    assert 'credentials: "omit"' in source


def test_the_offline_page_is_the_same_for_everyone(client, employee):
    client.force_login(employee.user)

    response = client.get("/offline/", headers={"Accept-Language": "de"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert employee.user.email not in html
    assert employee.organization.name not in html
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.django_db
def test_without_a_configured_key_one_is_made_once_and_kept(settings):
    settings.VAPID_PRIVATE_KEY = ""

    first = vapid_public_key()
    second = vapid_identity()

    assert VapidKey.objects.count() == 1
    assert second.public_key == first
    assert public_key_text(second.private_key) == first
    assert len(base64.urlsafe_b64decode(first + "=")) == 65
    # The private key is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM notifications_webpush_vapidkey")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("fernet:")
    assert "PRIVATE KEY" not in stored


@pytest.mark.django_db
def test_a_configured_key_is_used_in_its_raw_or_pem_form(settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    expected = public_key_text(key)

    settings.VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert vapid_public_key() == expected
    # PEM, with its line breaks written as \n in an environment file.
    settings.VAPID_PRIVATE_KEY = pem.replace("\n", "\\n")
    assert vapid_identity().public_key == expected
    assert not VapidKey.objects.exists()


@pytest.mark.django_db
def test_a_broken_key_or_subject_is_a_startup_error(settings):
    settings.VAPID_PRIVATE_KEY = "not-a-key"
    settings.VAPID_SUBJECT = "admin@example.com"

    errors = {error.id for error in run_checks()}

    assert {"notifications_webpush.E001", "notifications_webpush.E002"} <= errors
    with pytest.raises(ImproperlyConfigured):
        vapid_identity()


def test_the_subject_defaults_to_the_sender_address(settings):
    from chorus.notifications.webpush.services.keys import vapid_subject

    settings.VAPID_SUBJECT = ""
    settings.DEFAULT_FROM_EMAIL = "Acme Chorus <chorus@acme.example>"
    assert vapid_subject() == "mailto:chorus@acme.example"
    settings.VAPID_SUBJECT = "https://chorus.acme.example/"
    assert vapid_subject() == "https://chorus.acme.example/"
