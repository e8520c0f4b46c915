"""allauth's SAML app for an organization's SAML provider.

The SAML side (metadata from a URL or an upload, certificates, strict security, the
admin's SAML section) grows here; `social_app` is what the SocialAccountAdapter calls for a
provider of kind "saml" (chorus/identity/adapters.py).
"""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp

from chorus.identity.models import IdentityProvider


def social_app(provider: IdentityProvider) -> SocialApp:
    """The unsaved allauth SAML app: its client id is the provider id, which allauth's
    SAML addresses carry (/accounts/saml/<provider id>/...)."""
    idp: dict[str, object] = {"entity_id": provider.idp_entity_id}
    if provider.metadata_url:
        idp["metadata_url"] = provider.metadata_url
    return SocialApp(
        provider="saml",
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.provider_id,
        settings={
            "idp": idp,
            "attribute_mapping": {
                "uid": "name_id",
                "email": provider.attribute_mapping.get("email", ""),
                "first_name": provider.attribute_mapping.get("first_name", ""),
                "last_name": provider.attribute_mapping.get("last_name", ""),
            },
        },
    )
