"""The organization's writing-help settings, as stored (a row is made on first save)."""

from __future__ import annotations

from chorus.accounts.models import Organization
from chorus.writing.models import WritingSettings


def writing_settings_for(*, organization: Organization) -> WritingSettings:
    found = WritingSettings.objects.filter(organization=organization).first()
    return found if found is not None else WritingSettings(organization=organization)


def writing_enabled(*, organization: Organization) -> bool:
    settings = writing_settings_for(organization=organization)
    return bool(settings.enabled and settings.base_url and settings.model)
