"""The layout, the Content-Security-Policy and the error pages."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client, override_settings
from django.urls import path

import chorus

TEMPLATE_DIRS = [p for p in Path(chorus.__file__).parent.rglob("templates") if p.is_dir()]


def test_csp_forbids_inline_scripts_and_styles(admin_client):
    policy = admin_client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_or_style_or_handler():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text()
            if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
                offenders.append(f"{template}: inline <script>")
            # Emails are sent, never served: the CSP does not reach them, and mail clients
            # read only inline styles. Their scripts and handlers are still refused.
            is_email = "email" in template.parts
            if not is_email and (re.search(r"<style", text) or re.search(r"\sstyle=", text)):
                offenders.append(f"{template}: inline style")
            if re.search(r"\son[a-z]+=", text):
                offenders.append(f"{template}: inline event handler")
    assert offenders == []


def test_navigation_shows_admin_links_only_to_admins(admin_client, client, employee):
    admin_page = admin_client.get("/").content.decode()
    assert "/manage/members/" in admin_page
    client.force_login(employee.user)
    employee_page = client.get("/").content.decode()
    assert "/manage/members/" not in employee_page
    assert "/settings/" in employee_page


def test_unknown_page_is_a_friendly_404(admin_client):
    response = admin_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_forbidden_page_is_friendly(employee_client):
    response = employee_client.get("/manage/members/")
    assert response.status_code == 403
    assert "You can't do that here" in response.content.decode()


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_is_a_friendly_500(db):
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_static_assets_are_served(client):
    assert client.get("/static/chorus/chorus.css").status_code == 200
    assert client.get("/static/django_htmx/htmx-2.min.js").status_code == 200


def test_favicon_ico_points_at_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200
