"""The one function that writes to the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chorus.core.models import AuditEvent

if TYPE_CHECKING:
    from chorus.accounts.models import Organization, User


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target: Any = None,
    target_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_label=actor.email if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:254],
        data=data or {},
    )
