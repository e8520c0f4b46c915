"""The targets a conversation is measured against: its first public answer and its
resolution, in minutes per priority from the organization's care settings."""

from __future__ import annotations

from datetime import timedelta

from chorus.accounts.models import Organization
from chorus.care.models import CareSettings, Conversation
from chorus.care.models.settings import first_response_targets, resolution_targets


def care_settings_for(*, organization: Organization) -> CareSettings:
    """The organization's care settings, made with the defaults the first time."""
    found, _ = CareSettings.objects.get_or_create(organization=organization)
    return found


def conversation_targets_set(
    *, conversation: Conversation, found: CareSettings | None = None, save: bool = True
) -> Conversation:
    """Set the due times from when the conversation opened and its priority (call again
    when the priority changes). `found`: the settings, when the caller has them already."""
    found = found or care_settings_for(organization=conversation.organization)
    first = {**first_response_targets(), **(found.first_response_minutes or {})}
    resolution = {**resolution_targets(), **(found.resolution_minutes or {})}
    priority = str(conversation.priority)
    conversation.first_response_due = conversation.opened_at + timedelta(
        minutes=int(first.get(priority, first["normal"]))
    )
    conversation.resolution_due = conversation.opened_at + timedelta(
        minutes=int(resolution.get(priority, resolution["normal"]))
    )
    if save and conversation.pk:
        conversation.save(update_fields=["first_response_due", "resolution_due", "updated_at"])
    return conversation
