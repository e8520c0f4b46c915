"""The admin's Single sign-on page, domain verification over real SMTP, Require SSO and
break-glass admins."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import dj_email_url
import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.identity.models import BreakGlassAdmin, IdentityProvider, SsoDomain, SsoPolicy
from chorus.identity.services.domains import domain_verify
from chorus.identity.services.providers import oidc_provider_save, provider_set_enabled
from chorus.identity.tests.oidc_provider import LoopbackOidcProvider, running_provider

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def loopback(settings: Any) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True


@pytest.fixture
def idp() -> Iterator[LoopbackOidcProvider]:
    yield from running_provider()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    email = dj_email_url.parse(f"smtp://127.0.0.1:{port}")
    settings.EMAIL_BACKEND = email["EMAIL_BACKEND"]
    settings.EMAIL_HOST = email["EMAIL_HOST"]
    settings.EMAIL_PORT = email["EMAIL_PORT"]
    yield inbox
    controller.stop()


@pytest.fixture
def sso(organization: Any, admin_member: Any, idp: LoopbackOidcProvider) -> IdentityProvider:
    idp.add_client("chorus", "s3cret")
    provider = oidc_provider_save(
        organization=organization,
        actor=admin_member.user,
        name="Acme Okta",
        issuer=idp.issuer,
        client_id="chorus",
        client_secret="s3cret",
    )
    provider_set_enabled(provider=provider, actor=admin_member.user, enabled=True)
    domain_verify(claim=SsoDomain.objects.create(organization=organization, domain="acme.test"))
    return provider


def test_admin_sets_up_a_provider_from_its_issuer(admin_client, idp, organization):
    page = admin_client.get("/manage/sso/")
    assert page.status_code == 200
    assert "/accounts/oidc/org-" in page.content.decode()
    response = admin_client.post(
        "/manage/sso/",
        {
            "action": "save_oidc",
            "name": "Acme Okta",
            "issuer": idp.issuer + "/",
            "client_id": "chorus",
            "client_secret": "first-secret",
        },
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organization=organization)
    assert provider.issuer == idp.issuer
    assert provider.oidc_configuration["jwks_uri"] == idp.issuer + "/jwks"
    assert not provider.enabled
    body = admin_client.get("/manage/sso/").content.decode()
    assert "first-secret" not in body
    # An empty secret keeps the stored one (replace-only).
    admin_client.post(
        "/manage/sso/",
        {"action": "save_oidc", "name": "Okta", "issuer": idp.issuer, "client_id": "chorus"},
    )
    provider.refresh_from_db()
    assert provider.name == "Okta" and provider.client_secret == "first-secret"
    # Turned on.
    admin_client.post(f"/manage/sso/providers/{provider.pk}/enabled/", {"enabled": "on"})
    provider.refresh_from_db()
    assert provider.enabled


def test_a_wrong_issuer_is_explained_and_nothing_is_saved(admin_client, idp, organization):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    for issuer, words in [
        (f"http://127.0.0.1:{dead}", "could not connect"),
        (idp.issuer + "/elsewhere", "status 404"),
        ("not a url", "Could not read"),
    ]:
        response = admin_client.post(
            "/manage/sso/",
            {
                "action": "save_oidc",
                "name": "X",
                "issuer": issuer,
                "client_id": "c",
                "client_secret": "s",
            },
        )
        assert response.status_code == 400, issuer
        assert words in response.content.decode(), (issuer, response.content.decode()[-2000:])
    assert not IdentityProvider.objects.filter(organization=organization).exists()


def test_a_private_address_is_refused_as_issuer(admin_client, organization, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    response = admin_client.post(
        "/manage/sso/",
        {
            "action": "save_oidc",
            "name": "X",
            "issuer": "http://127.0.0.1:9",
            "client_id": "c",
            "client_secret": "s",
        },
    )
    assert response.status_code == 400
    assert "private or local network" in response.content.decode()


def test_employees_cannot_open_the_page(employee_client):
    assert employee_client.get("/manage/sso/").status_code == 403


def test_another_organizations_provider_is_404(admin_client, idp):
    globex = OrganizationFactory(name="Globex", slug="globex")
    foreign = IdentityProvider.objects.create(
        organization=globex, kind="oidc", name="G", issuer=idp.issuer, client_id="g"
    )
    for action in ("enabled", "test", "delete"):
        assert admin_client.post(f"/manage/sso/providers/{foreign.pk}/{action}/").status_code == 404
    assert IdentityProvider.objects.filter(pk=foreign.pk).exists()


def test_domain_verified_by_a_link_emailed_over_smtp(admin_client, organization, smtp, client):
    response = admin_client.post("/manage/sso/", {"action": "add_domain", "domain": "Acme.TEST."})
    assert response.status_code == 302
    claim = SsoDomain.objects.get(organization=organization)
    assert claim.domain == "acme.test" and not claim.is_verified
    # The address must be at the domain.
    refused = admin_client.post(
        f"/manage/sso/domains/{claim.pk}/verify/", {"local_part": "it@elsewhere.test"}
    )
    assert refused.status_code == 400
    assert "must be at acme.test" in refused.content.decode()
    assert smtp.messages == []
    sent = admin_client.post(f"/manage/sso/domains/{claim.pk}/verify/", {"local_part": "it"})
    assert sent.status_code == 302
    assert len(smtp.messages) == 1
    message = smtp.messages[0].decode()
    assert "To: it@acme.test" in message
    link = re.search(r"https?://\S+/sso/domains/verify/\S+/", message).group(0)
    path = "/" + link.split("/", 3)[3]
    # Opening the link only shows a button (mail scanners open links); the click confirms.
    assert client.get(path).status_code == 200
    claim.refresh_from_db()
    assert not claim.is_verified
    assert client.post(path).status_code == 200
    claim.refresh_from_db()
    assert claim.is_verified and claim.verified_by == "email"
    # Used once.
    assert client.get(path).status_code == 404


def test_a_verified_domain_belongs_to_one_organization(admin_client, organization, smtp):
    globex = OrganizationFactory(name="Globex", slug="globex")
    domain_verify(claim=SsoDomain.objects.create(organization=globex, domain="acme.test"))
    response = admin_client.post("/manage/sso/", {"action": "add_domain", "domain": "acme.test"})
    assert response.status_code == 400
    assert "verified by another organization" in response.content.decode()
    for bad in ("gmail.com", "not a domain", "-x.test", ""):
        response = admin_client.post("/manage/sso/", {"action": "add_domain", "domain": bad})
        assert response.status_code == 400, bad
    assert not SsoDomain.objects.filter(organization=organization).exists()


def test_operators_mark_a_domain_verified_in_the_django_admin(client, organization, db):
    from chorus.accounts.models import User

    operator = User.objects.create_superuser(email="op@chorus.test", password="x-long-Passw0rd")
    client.force_login(operator)
    claim = SsoDomain.objects.create(organization=organization, domain="acme.test")
    response = client.post(
        "/django-admin/identity/ssodomain/",
        {"action": "mark_verified", "_selected_action": [claim.pk]},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.is_verified and claim.verified_by == "operator"


def test_require_sso_needs_a_break_glass_admin(admin_client, sso, admin_member, organization):
    response = admin_client.post("/manage/sso/", {"action": "require_sso", "require_sso": "on"})
    assert response.status_code == 400
    assert "break-glass admin" in response.content.decode()
    assert not SsoPolicy.objects.filter(organization=organization, require_sso=True).exists()
    admin_client.post("/manage/sso/", {"action": "add_break_glass", "membership": admin_member.pk})
    response = admin_client.post("/manage/sso/", {"action": "require_sso", "require_sso": "on"})
    assert response.status_code == 302
    assert SsoPolicy.objects.get(organization=organization).require_sso
    # The last break-glass admin stays while SSO is required.
    entry = BreakGlassAdmin.objects.get(organization=organization)
    admin_client.post(f"/manage/sso/break-glass/{entry.pk}/delete/")
    assert BreakGlassAdmin.objects.filter(pk=entry.pk).exists()
    assert "last break-glass admin" in admin_client.get("/manage/sso/").content.decode()


def test_an_employee_cannot_be_a_break_glass_admin(admin_client, sso, employee, organization):
    response = admin_client.post(
        "/manage/sso/", {"action": "add_break_glass", "membership": employee.pk}
    )
    assert response.status_code == 400
    assert not BreakGlassAdmin.objects.filter(organization=organization).exists()


@pytest.fixture
def required(sso, admin_member, organization):
    BreakGlassAdmin.objects.create(organization=organization, membership=admin_member)
    SsoPolicy.objects.create(organization=organization, require_sso=True)
    return sso


def test_password_sign_in_is_refused_where_sso_is_required(client, required, employee):
    response = client.post("/accounts/login/", {"login": employee.user.email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.content.decode()
    assert "signs you in with single sign-on" in body
    assert "Continue with Acme Okta" in body
    assert client.get("/").status_code == 302


def test_break_glass_admins_still_sign_in_with_a_password(client, required, admin_member):
    admin_member.user.set_password(PASSWORD)
    admin_member.user.save()
    response = client.post(
        "/accounts/login/", {"login": admin_member.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_reset_is_refused_where_sso_is_required(client, required, employee):
    response = client.post("/accounts/password/reset/", {"email": employee.user.email})
    assert response.status_code == 200
    assert "signs you in with single sign-on" in response.content.decode()
    assert mail.outbox == []


def test_passwords_work_elsewhere_and_when_sso_is_not_required(client, sso, employee, db):
    response = client.post("/accounts/login/", {"login": employee.user.email, "password": PASSWORD})
    assert response.status_code == 302
    outsider = MembershipFactory(organization=sso.organization, user__email="temp@agency.test")
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": outsider.user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_test_sign_in_reports_what_the_provider_said_and_signs_nobody_in(
    admin_client, sso, idp, admin_member
):
    import httpx

    provider_set_enabled(provider=sso, actor=admin_member.user, enabled=False)
    idp.add_user("ada@acme.test")
    from chorus.identity.tests.test_oidc import idp_url

    response = admin_client.post(f"/manage/sso/providers/{sso.pk}/test/")
    back = idp.sign_in(idp_url(response), "ada@acme.test")
    landed = admin_client.get(httpx.URL(back).raw_path.decode())
    assert landed.status_code == 302 and landed["Location"] == "/manage/sso/"
    page = admin_client.get("/manage/sso/").content.decode()
    assert "The test sign-in worked" in page and "ada@acme.test" in page
    sso.refresh_from_db()
    assert not sso.enabled
    from allauth.socialaccount.models import SocialAccount

    assert not SocialAccount.objects.exists()
