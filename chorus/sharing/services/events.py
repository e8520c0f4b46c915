"""What sharing tells the organization's webhooks: a share made, a share confirmed."""

from __future__ import annotations

from chorus.sharing.models import Share
from chorus.webhooks.services.events import member_data, webhook_emit


def share_emit(*, share: Share, event_type: str) -> None:
    """share.created or share.confirmed, sent once the transaction commits."""
    data: dict[str, object] = {
        "share": {
            "id": share.pk,
            "post_id": share.post_id,
            "network": share.network,
            "status": share.status,
        },
        "member": member_data(share.membership),
    }
    if event_type == "share.created":
        data["share"]["scheduled_at"] = (  # type: ignore[index]
            share.scheduled_for.isoformat() if share.scheduled_for else None
        )
    else:
        data["share"]["published_url"] = share.remote_url or None  # type: ignore[index]
        data["confirmed_at"] = share.shared_at.isoformat() if share.shared_at else None
    webhook_emit(organization=share.organization_id, event_type=event_type, data=data)
