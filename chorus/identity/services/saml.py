"""Writes of an organization's SAML provider: its metadata (fetched from the IdP's address
through the SSRF-safe client, or uploaded) and its attribute mapping."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.core.http import FetchError, fetch
from chorus.identity.models import IdentityProvider, ProviderKind, default_attribute_mapping
from chorus.identity.saml import MAX_METADATA_BYTES, IdpMetadata, parse_idp_metadata

MAPPED_FIELDS = tuple(default_attribute_mapping())


def saml_metadata_fetch(url: str) -> str:
    """The IdP's metadata document at `url`; ValidationError in words otherwise."""
    try:
        result = fetch(
            url,
            headers={"Accept": "application/samlmetadata+xml, application/xml, text/xml"},
            max_bytes=MAX_METADATA_BYTES,
        )
    except FetchError as error:
        raise ValidationError(
            _("Could not read %(url)s: %(reason)s.") % {"url": url, "reason": error}
        ) from error
    if not result.ok:
        raise ValidationError(
            _("%(url)s answered with status %(status)s, not the provider's metadata.")
            % {"url": url, "status": result.status_code}
        )
    try:
        return result.content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The metadata at %(url)s is not UTF-8 text.") % {"url": url}
        ) from error


def saml_provider_save(
    *,
    organization: Organization,
    actor: User,
    name: str,
    metadata_url: str = "",
    metadata_xml: str = "",
    attribute_mapping: dict[str, str] | None = None,
) -> IdentityProvider:
    """Create or change the organization's SAML provider. The metadata (uploaded, or else
    fetched from its address now) is read first: nothing changes when it is unusable.
    With neither, the stored metadata stays (only the name or the mapping change)."""
    name = name.strip()
    metadata_url = metadata_url.strip()
    if not name:
        raise ValidationError(_("Enter the name members see on the sign-in button."))
    provider = IdentityProvider.objects.filter(
        organization=organization, kind=ProviderKind.SAML
    ).first()
    document = metadata_xml.strip() or (saml_metadata_fetch(metadata_url) if metadata_url else "")
    if not document and (provider is None or not provider.metadata_xml):
        raise ValidationError(_("Give the identity provider's metadata address or file."))
    metadata: IdpMetadata | None = parse_idp_metadata(document) if document else None
    created = provider is None
    if provider is None:
        provider = IdentityProvider(organization=organization, kind=ProviderKind.SAML)
    provider.name = name
    if metadata is not None:
        provider.metadata_xml = document
        provider.idp_entity_id = metadata.entity_id
        # An uploaded file replaces the address: the next refresh must not undo it.
        provider.metadata_url = "" if metadata_xml.strip() else metadata_url
    mapping = default_attribute_mapping()
    for field in MAPPED_FIELDS:
        value = (attribute_mapping or {}).get(field, "").strip()
        if value:
            mapping[field] = value[:500]
    provider.attribute_mapping = mapping
    provider.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="sso.provider_created" if created else "sso.provider_updated",
        target=provider,
        data={
            "kind": provider.kind,
            "idp_entity_id": provider.idp_entity_id,
            "metadata_changed": metadata is not None,
        },
    )
    return provider
