"""The admin's SAML section: metadata by address or upload (hostile XML refused, nothing
changed), the attribute mapping with its defaults, and Chorus's SP metadata to download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chorus.factories import MembershipFactory
from chorus.identity.models import IdentityProvider, ProviderKind
from chorus.identity.tests.saml_idp import EMAIL, LoopbackSamlIdp, running_idp

URL = "/manage/sso/saml/"


@pytest.fixture(autouse=True)
def loopback(settings: Any) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True


@pytest.fixture
def idp() -> Iterator[LoopbackSamlIdp]:
    yield from running_idp()


@pytest.fixture
def admin_client(client: Any, admin_member: Any) -> Any:
    client.force_login(admin_member.user)
    return client


def saml_of(organization: Any) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(
        organization=organization, kind=ProviderKind.SAML
    ).first()


def test_the_section_shows_what_to_copy_into_the_idp_and_the_default_mapping(admin_client):
    body = admin_client.get("/manage/sso/").content.decode()
    assert "SAML 2.0" in body
    assert "/accounts/saml/org-" in body and "/acs/" in body
    assert EMAIL in body  # the default attribute for the email, shown


def test_metadata_from_an_address_saves_the_provider(admin_client, organization, idp):
    response = admin_client.post(
        URL, {"name": "Acme Entra", "metadata_url": idp.metadata_url, "map_email": "mail"}
    )
    assert response.status_code == 302
    provider = saml_of(organization)
    assert provider is not None and provider.idp_entity_id == idp.entity_id
    assert provider.attribute_mapping["email"] == "mail"
    # Left empty: the default.
    assert provider.attribute_mapping["first_name"].endswith("/givenname")


def test_an_uploaded_metadata_file_saves_the_provider(admin_client, organization, idp):
    upload = SimpleUploadedFile("idp.xml", idp.metadata_xml().encode(), "text/xml")
    response = admin_client.post(URL, {"name": "Acme", "metadata_file": upload})
    assert response.status_code == 302
    provider = saml_of(organization)
    assert provider is not None and provider.idp_entity_id == idp.entity_id
    assert provider.metadata_url == ""


HOSTILE = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HOSTILE, "entities or a DTD"),
        (b"not xml at all", "not XML"),
        (b"<a/>", "does not describe an identity provider"),
    ],
)
def test_unusable_metadata_is_refused_and_changes_nothing(
    admin_client, organization, idp, content, message
):
    admin_client.post(URL, {"name": "Acme", "metadata_url": idp.metadata_url})
    before = saml_of(organization)
    upload = SimpleUploadedFile("idp.xml", content, "text/xml")
    response = admin_client.post(URL, {"name": "Other", "metadata_file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    after = saml_of(organization)
    assert after is not None and before is not None
    assert (after.name, after.metadata_xml) == (before.name, before.metadata_xml)


def test_an_address_that_is_not_metadata_is_refused(admin_client, organization, idp):
    response = admin_client.post(URL, {"name": "Acme", "metadata_url": idp.base_url + "/nothing"})
    assert response.status_code == 400
    assert "status 404" in response.content.decode()
    assert saml_of(organization) is None


def test_a_private_address_is_refused(admin_client, organization, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    response = admin_client.post(URL, {"name": "Acme", "metadata_url": "http://127.0.0.1:9/m"})
    assert response.status_code == 400
    assert saml_of(organization) is None


def test_sp_metadata_downloads_with_entity_id_and_acs(admin_client, organization):
    response = admin_client.get("/manage/sso/saml/metadata.xml")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document = response.content.decode()
    assert f"/accounts/saml/org-{organization.pk}-saml/acs/" in document
    assert (
        f'entityID="http://127.0.0.1:8000/accounts/saml/org-{organization.pk}-saml/metadata/"'
        in (document)
        or "entityID=" in document
    )
    assert 'WantAssertionsSigned="true"' in document


def test_members_cannot_see_or_change_the_saml_section(client, organization):
    client.force_login(MembershipFactory(organization=organization).user)
    assert client.get("/manage/sso/saml/metadata.xml").status_code == 403
    assert client.post(URL, {"name": "X", "metadata_url": "https://x.example"}).status_code == 403
    assert saml_of(organization) is None
