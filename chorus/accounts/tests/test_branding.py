"""The organization's logo and accent colour: settings, API, shell and invitation email."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from chorus.accounts.models import Organization
from chorus.accounts.services.invitations import invitation_create
from chorus.core.colors import contrast_ratio
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def png(size: tuple[int, int] = (1000, 400), **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (20, 80, 160, 200)).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def look(client: Any, **data: Any) -> Any:
    fields = {"section": "look", "look-accent_color": ""}
    fields.update({f"look-{name}": value for name, value in data.items()})
    return client.post(reverse("organization_settings"), fields)


def test_an_admin_sets_a_readable_accent_colour_and_the_shell_uses_it(
    admin_client, organization, admin_member
):
    response = look(admin_client, accent_color="0F766E")

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.accent_color == "#0f766e"
    event = AuditEvent.objects.get(action="organization.accent_color_changed")
    assert event.data == {"before": "", "after": "#0f766e"}
    html = admin_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("organization_theme")}?v=0f766e"' in html
    css = admin_client.get(reverse("organization_theme"))
    assert css["Content-Type"].startswith("text/css")
    assert "--primary: #0f766e;" in css.content.decode()
    assert "style=" not in html.split("<body", 1)[1]  # the CSP forbids inline styles


def test_a_colour_white_text_cannot_be_read_on_is_refused_with_a_darker_one_that_works(
    admin_client, organization
):
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")

    response = look(admin_client, accent_color="#ffcc00", logo=logo)

    assert response.status_code == 400
    html = response.content.decode()
    assert "White text on #ffcc00 is hard to read" in html
    suggestion = html.split("A darker shade such as ", 1)[1][:7]
    assert contrast_ratio(suggestion, "#ffffff") >= 4.5
    assert contrast_ratio(suggestion, "#f6f7f9") >= 4.5
    organization.refresh_from_db()
    assert organization.accent_color == ""
    assert not organization.logo  # nothing saved when part of the form is refused
    # The suggestion is accepted as it is.
    assert look(admin_client, accent_color=suggestion).status_code == 302


@pytest.mark.parametrize("value", ["blue", "#12345", "#gggggg", "x" * 20])
def test_what_is_not_a_colour_is_refused(admin_client, organization, value):
    response = look(admin_client, accent_color=value)

    assert response.status_code == 400
    assert "is not a colour" in response.content.decode()


def test_without_an_accent_colour_no_theme_is_linked(admin_client):
    html = admin_client.get(reverse("home")).content.decode()

    assert reverse("organization_theme") not in html


def test_a_logo_is_re_encoded_resized_and_shown_on_the_shell(admin_client, organization):
    upload = SimpleUploadedFile("logo.png", png(), content_type="image/png")

    response = look(admin_client, logo=upload)

    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.logo_width, organization.logo_height) == (500, 200)
    with default_storage.open(organization.logo.name, "rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "PNG" and stored.mode == "RGBA" and stored.size == (500, 200)
    assert AuditEvent.objects.filter(action="organization.logo_changed").exists()
    logo = reverse("organization_logo", args=[organization.logo_file_name])
    html = admin_client.get(reverse("home")).content.decode()
    assert f'<img class="org-logo" src="{logo}"' in html


def test_the_logo_is_served_to_anyone_with_its_address_and_an_old_one_is_404(
    client, admin_member, organization
):
    client.force_login(admin_member.user)
    look(client, logo=SimpleUploadedFile("a.png", png(), content_type="image/png"))
    organization.refresh_from_db()
    first = reverse("organization_logo", args=[organization.logo_file_name])
    look(client, logo=SimpleUploadedFile("b.png", png((300, 300)), content_type="image/png"))
    organization.refresh_from_db()
    second = reverse("organization_logo", args=[organization.logo_file_name])
    client.logout()

    response = client.get(second)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert client.get(first).status_code == 404
    assert client.get(reverse("organization_logo", args=["0" * 32 + ".png"])).status_code == 404
    assert client.get("/organization/logo/..%2F..%2Fsecret_key").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG files can carry scripts",
        ),
        ("logo.png", b"not a picture at all", "is not an image we can read"),
        ("logo.bmp", None, "is a BMP image"),
    ],
)
def test_what_is_not_a_logo_we_take_is_refused_in_words(
    admin_client, organization, name, content, error
):
    if content is None:
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, format="BMP")
        content = buffer.getvalue()

    response = look(admin_client, logo=SimpleUploadedFile(name, content))

    assert response.status_code == 400
    assert error in response.content.decode()
    organization.refresh_from_db()
    assert not organization.logo


def test_removing_the_logo(admin_client, organization):
    look(admin_client, logo=SimpleUploadedFile("a.png", png(), content_type="image/png"))

    response = look(admin_client, remove_logo="on")

    assert response.status_code == 302
    organization.refresh_from_db()
    assert not organization.logo and organization.logo_width == 0
    assert AuditEvent.objects.filter(action="organization.logo_removed").exists()


def test_members_who_are_not_admins_cannot_change_the_look(employee_client, organization):
    response = look(employee_client, accent_color="#0f766e")

    assert response.status_code == 403


def test_the_api_reads_and_sets_the_colour_and_the_logo(admin_client, organization, settings):
    settings.SITE_URL = "https://chorus.example"

    assert admin_client.get("/api/v1/organization/look").json()["accent_color"] == ""
    response = admin_client.put(
        "/api/v1/organization/look", {"accent_color": "#1d4ed8"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["accent_color"] == "#1d4ed8"
    refused = admin_client.put(
        "/api/v1/organization/look", {"accent_color": "#eeeeee"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "hard to read" in refused.json()["detail"]

    encoded = base64.b64encode(png((100, 50))).decode()
    response = admin_client.put(
        "/api/v1/organization/logo",
        {"content_base64": encoded, "file_name": "logo.png"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["logo_url"].startswith("https://chorus.example/organization/logo/")
    assert (body["logo_width"], body["logo_height"]) == (100, 50)
    bad = admin_client.put(
        "/api/v1/organization/logo",
        {"content_base64": "%%%"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    svg = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode()
    assert (
        admin_client.put(
            "/api/v1/organization/logo", {"content_base64": svg}, content_type="application/json"
        ).status_code
        == 422
    )
    assert admin_client.delete("/api/v1/organization/logo").json()["logo_url"] == ""


def test_the_invitation_email_shows_the_organization_and_its_logo(
    admin_client, admin_member, organization, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://chorus.example"
    look(admin_client, logo=SimpleUploadedFile("a.png", png(), content_type="image/png"))
    organization.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organization=organization, actor=admin_member.user, email="g@x.test")

    message = mail.outbox[-1]
    assert "Accept the invitation here" in message.body  # the plain-text part stays
    html, content_type = message.alternatives[0]
    assert content_type == "text/html"
    logo_url = f"https://chorus.example/organization/logo/{organization.logo_file_name}"
    assert f'src="{logo_url}"' in html
    assert f'alt="{organization.name}"' in html
    assert "Accept the invitation" in html


def test_an_invitation_without_a_logo_names_the_organization(
    admin_member, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organization=organization, actor=admin_member.user, email="g@x.test")

    html = mail.outbox[-1].alternatives[0][0]
    assert organization.name in html and "<img" not in html


def test_another_organizations_look_is_its_own(client, organization):
    other = OrganizationFactory(name="Globex", slug="globex", accent_color="#0f766e")
    member = MembershipFactory(organization=organization)
    client.force_login(member.user)

    css = client.get(reverse("organization_theme")).content.decode()

    assert "#0f766e" not in css
    assert Organization.objects.get(pk=other.pk).accent_color == "#0f766e"
