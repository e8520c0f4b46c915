"""An admin turns writing help on or off and says which endpoint and model it uses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.core.http import RefusedAddress, check_url
from chorus.writing.models import WritingSettings

MAX_MODEL = 100
MAX_KEY = 500


@transaction.atomic
def writing_settings_update(
    *,
    organization: Organization,
    actor: User,
    enabled: bool,
    base_url: str,
    model: str,
    api_key: str | None,
) -> WritingSettings:
    """Save the settings. `api_key` None keeps the stored key, "" removes it.

    Raises ValidationError (by field) for an endpoint that is not a public http(s)
    address, or when writing help is switched on without an endpoint and a model.
    """
    base_url = base_url.strip().rstrip("/")
    model = " ".join(model.split())
    errors: dict[str, list[str]] = {}
    if base_url:
        try:
            check_url(base_url)
        except RefusedAddress as error:
            errors["base_url"] = [_("This endpoint cannot be used: %(reason)s") % {"reason": error}]
    if len(model) > MAX_MODEL:
        errors["model"] = [_("Keep the model name to %(max)s characters.") % {"max": MAX_MODEL}]
    if api_key is not None and len(api_key.strip()) > MAX_KEY:
        errors["api_key"] = [_("Keep the key to %(max)s characters.") % {"max": MAX_KEY}]
    if enabled and not base_url:
        errors.setdefault("base_url", []).append(_("Give the endpoint to switch writing help on."))
    if enabled and not model:
        errors.setdefault("model", []).append(_("Give the model to switch writing help on."))
    if errors:
        raise ValidationError(errors)
    settings, _created = WritingSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    before = {"enabled": settings.enabled, "base_url": settings.base_url, "model": settings.model}
    settings.enabled, settings.base_url, settings.model = enabled, base_url, model
    key_changed = api_key is not None and api_key.strip() != settings.api_key
    if api_key is not None:
        settings.api_key = api_key.strip()
    settings.save()
    after = {"enabled": enabled, "base_url": base_url, "model": model}
    if before != after or key_changed:
        audit_record(
            organization=organization,
            actor=actor,
            action="writing.settings_changed",
            target_label="Writing help",
            # The key itself never goes into the log.
            data={**after, "key": "changed" if key_changed else "unchanged"},
        )
    return settings
