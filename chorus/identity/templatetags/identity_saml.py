"""The admin's SAML section on the single sign-on page: `{% saml_section %}`."""

from __future__ import annotations

from typing import Any

from django import template

from chorus.identity.models import IdentityProvider, ProviderKind, default_attribute_mapping
from chorus.identity.saml import acs_url, attribute_mapping, sp_entity_id

register = template.Library()

FIELD_LABELS = ("email", "first_name", "last_name", "groups")


@register.inclusion_tag("identity/_saml_section.html", takes_context=True)
def saml_section(context: Any) -> dict[str, Any]:
    request = context["request"]
    organization = request.organization
    saml = next((p for p in context.get("providers", []) if p.kind == ProviderKind.SAML), None)
    provider_id = IdentityProvider(organization=organization, kind=ProviderKind.SAML).provider_id
    defaults = default_attribute_mapping()
    current = attribute_mapping(saml) if saml is not None else defaults
    values = context.get("saml_values") or {}
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "saml": saml,
        "sp_entity_id": sp_entity_id(provider_id),
        "acs_url": acs_url(provider_id),
        "name": values.get("name", saml.name if saml else ""),
        "metadata_url": values.get("metadata_url", saml.metadata_url if saml else ""),
        "mapping": [
            {
                "field": field,
                "value": values.get(f"map_{field}", current[field]),
                "default": defaults[field],
            }
            for field in FIELD_LABELS
        ],
        "error": (context.get("errors") or {}).get("save_saml", ""),
    }
