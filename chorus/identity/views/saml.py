"""The admin's SAML section: save the provider (metadata address or file, attribute
mapping) and download Chorus's SP metadata for the IdP's admin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.identity.models import IdentityProvider, ProviderKind
from chorus.identity.saml import MAX_METADATA_BYTES, sp_metadata_xml
from chorus.identity.services.saml import MAPPED_FIELDS, saml_provider_save
from chorus.identity.views.manage import _render


@require_POST
@admin_required
def saml_save(request: MemberRequest) -> HttpResponse:
    name = request.POST.get("name", "")[:100]
    metadata_url = request.POST.get("metadata_url", "").strip()[:500]
    mapping = {field: request.POST.get(f"map_{field}", "")[:500] for field in MAPPED_FIELDS}
    try:
        upload = request.FILES.get("metadata_file")
        document = ""
        if upload is not None:
            if upload.size is not None and upload.size > MAX_METADATA_BYTES:
                raise ValidationError(_("The metadata is too large for an identity provider's."))
            try:
                document = upload.read().decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValidationError(_("The metadata file is not UTF-8 text.")) from error
        saml_provider_save(
            organization=request.organization,
            actor=request.user,  # type: ignore[arg-type]
            name=name,
            metadata_url=metadata_url,
            metadata_xml=document,
            attribute_mapping=mapping,
        )
    except ValidationError as error:
        values = {"name": name, "metadata_url": metadata_url}
        values.update({f"map_{field}": value for field, value in mapping.items()})
        return _render(
            request,
            status=400,
            errors={"save_saml": " ".join(error.messages)},
            saml_values=values,
        )
    messages.success(request, _("Saved. The identity provider's metadata was read."))
    return redirect("identity_sso")


@require_GET
@admin_required
def saml_sp_metadata(request: MemberRequest) -> HttpResponse:
    provider_id = IdentityProvider(
        organization=request.organization, kind=ProviderKind.SAML
    ).provider_id
    response = HttpResponse(sp_metadata_xml(provider_id), content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="chorus-sp-metadata.xml"'
    return response
