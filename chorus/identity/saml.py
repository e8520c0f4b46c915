"""allauth's SAML app for an organization's SAML provider, with strict security.

`social_app` is what the SocialAccountAdapter calls for a provider of kind "saml"
(chorus/identity/adapters.py). The IdP's entity id, sign-in address and signing certificate
come from the metadata stored on the provider (fetched from its URL through the SSRF-safe
client, or uploaded; see chorus/identity/services/saml.py): a sign-in never waits on the
IdP's metadata address.

Security, on top of python3-saml's checks (signature, audience, destination, issuer,
validity window, InResponseTo):
- the assertion must be signed (an IdP that signs only the response is refused);
- sign-ins started at the IdP (no InResponseTo) are refused: allauth binds each answer to
  the AuthnRequest it stashed in this browser's session;
- each assertion id is remembered until the assertion expires, so the same answer posted
  again, in this browser or another, is refused (`ChorusSamlProvider`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import defusedxml.ElementTree  # type: ignore[import-untyped]
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from onelogin.saml2.constants import OneLogin_Saml2_Constants  # type: ignore[import-untyped]
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser  # type: ignore[import-untyped]
from onelogin.saml2.settings import OneLogin_Saml2_Settings  # type: ignore[import-untyped]

from chorus.identity.models import IdentityProvider, SamlAssertionSeen, default_attribute_mapping

# How long a remembered assertion id outlives the assertion's NotOnOrAfter (python3-saml
# accepts that much clock drift) and how long an assertion without one is remembered.
CLOCK_SKEW_SECONDS = 120
REMEMBER_WITHOUT_EXPIRY_SECONDS = 24 * 3600
MAX_METADATA_BYTES = 1_000_000


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    certificate: str


def parse_idp_metadata(document: str | bytes) -> IdpMetadata:
    """The IdP's entity id, HTTP-Redirect sign-in address and signing certificate, from its
    metadata XML. Hostile XML (entities, DTDs) is refused by defusedxml before python3-saml
    reads it. ValidationError in words otherwise."""
    if isinstance(document, str):
        document = document.encode()
    if len(document) > MAX_METADATA_BYTES:
        raise ValidationError(_("The metadata is too large for an identity provider's."))
    try:
        defusedxml.ElementTree.fromstring(document)
    except defusedxml.DefusedXmlException as error:
        raise ValidationError(
            _("The metadata uses XML features Chorus refuses (entities or a DTD).")
        ) from error
    except defusedxml.ElementTree.ParseError as error:
        raise ValidationError(_("The metadata is not XML.")) from error
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(document)
    except Exception as error:
        raise ValidationError(_("The metadata could not be read as SAML metadata.")) from error
    idp = parsed.get("idp") or {}
    entity_id = str(idp.get("entityId") or "")
    sso_url = str((idp.get("singleSignOnService") or {}).get("url") or "")
    certificate = str(idp.get("x509cert") or "")
    if not certificate:
        signing = (idp.get("x509certMulti") or {}).get("signing") or []
        certificate = str(signing[0]) if signing else ""
    if not entity_id:
        raise ValidationError(_("The metadata does not describe an identity provider."))
    if not sso_url:
        raise ValidationError(
            _("The identity provider offers no sign-in address with the HTTP-Redirect binding.")
        )
    if not certificate:
        raise ValidationError(_("The metadata has no signing certificate."))
    return IdpMetadata(entity_id=entity_id, sso_url=sso_url, certificate=certificate)


def sp_entity_id(provider_id: str) -> str:
    """Chorus's entity id for this provider: its SP metadata address."""
    return settings.SITE_URL + reverse("saml_metadata", args=[provider_id])


def acs_url(provider_id: str) -> str:
    return settings.SITE_URL + reverse("saml_acs", args=[provider_id])


def attribute_mapping(provider: IdentityProvider) -> dict[str, str]:
    """The provider's mapping over the defaults (a field left empty takes the default)."""
    mapping = default_attribute_mapping()
    for field, name in (provider.attribute_mapping or {}).items():
        if field in mapping and isinstance(name, str) and name.strip():
            mapping[field] = name.strip()
    return mapping


def provider_settings(provider: IdentityProvider) -> dict[str, Any]:
    """allauth's SAML settings for the provider (allauth.socialaccount.providers.saml)."""
    metadata = parse_idp_metadata(provider.metadata_xml)
    mapping = attribute_mapping(provider)
    return {
        "idp": {
            "entity_id": metadata.entity_id,
            "sso_url": metadata.sso_url,
            "x509cert": metadata.certificate,
        },
        "sp": {"entity_id": sp_entity_id(provider.provider_id)},
        "attribute_mapping": {
            "email": [mapping["email"]],
            "first_name": [mapping["first_name"]],
            "last_name": [mapping["last_name"]],
        },
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            # Entra ID and Okta sign the assertion by default, not always the message.
            "want_message_signed": False,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
            "want_attribute_statement": False,
            # Intranet hosts ("chorus") are single labels.
            "allow_single_label_domains": True,
        },
    }


def social_app(provider: IdentityProvider) -> SocialApp:
    """The unsaved allauth SAML app: its client id is the provider id, which allauth's
    SAML addresses carry (/accounts/saml/<provider id>/...)."""
    app = SocialApp(
        provider="saml",
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.provider_id,
        settings=provider_settings(provider) if provider.metadata_xml else {},
    )
    # allauth's SAML views ask the app for its provider: this one remembers assertions.
    app.get_provider = lambda request: ChorusSamlProvider(request=request, app=app)  # type: ignore[method-assign]
    return app


def sp_metadata_xml(provider_id: str) -> str:
    """Chorus's SP metadata for the IdP's admin (entity id, ACS address, HTTP-POST)."""
    configuration = {
        "strict": True,
        "security": {"wantAssertionsSigned": True, "allowSingleLabelDomains": True},
        "sp": {
            "entityId": sp_entity_id(provider_id),
            "assertionConsumerService": {
                "url": acs_url(provider_id),
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
            },
            "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS,
        },
    }
    return str(OneLogin_Saml2_Settings(configuration, sp_validation_only=True).get_sp_metadata())


def assertion_first_use(
    *, provider_id: str, assertion_id: str, not_on_or_after: int | None
) -> bool:
    """Remember an assertion id until it expires; False when it was seen before.

    Kept in the database, which every web process and machine shares: the unique digest
    makes two posts of one answer at the same moment end with one winner."""
    now = timezone.now()
    lifetime = (
        not_on_or_after - int(now.timestamp())
        if not_on_or_after is not None
        else REMEMBER_WITHOUT_EXPIRY_SECONDS
    )
    digest = hashlib.sha256(f"{provider_id}\n{assertion_id}".encode()).hexdigest()
    expires_at = now + timedelta(seconds=max(lifetime, 0) + CLOCK_SKEW_SECONDS)
    try:
        with transaction.atomic():
            SamlAssertionSeen.objects.create(digest=digest, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def assertions_seen_prune() -> int:
    """Forget the assertions that have expired (they would be refused as expired anyway)."""
    deleted, _ = SamlAssertionSeen.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


class ChorusSamlProvider(SAMLProvider):  # type: ignore[misc]
    """allauth's SAML provider, refusing an assertion seen before, and giving the names
    in the fields the just-in-time membership reads (given_name, family_name)."""

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> Any:
        assertion_id = response.get_last_assertion_id()
        if not assertion_id or not assertion_first_use(
            provider_id=self.app.client_id,
            assertion_id=assertion_id,
            not_on_or_after=response.get_last_assertion_not_on_or_after(),
        ):
            raise ImmediateHttpResponse(
                render(
                    request,
                    "identity/sso_refused.html",
                    {
                        "message": _(
                            "This answer from your identity provider was already used. "
                            "Start the sign-in again."
                        )
                    },
                    status=403,
                )
            )
        return super().sociallogin_from_response(request, response)

    def extract_extra_data(self, data: Any) -> dict[str, Any]:
        extra = dict(data.get_attributes())
        fields = self._extract(data)
        extra["given_name"] = fields.get("first_name", "")
        extra["family_name"] = fields.get("last_name", "")
        return extra
