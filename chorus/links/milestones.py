"""Click milestones: a member's link passing 10, 100, 1,000 or 10,000 unique clicks (a
visitor's first click on it in 24 hours) tells the organization's webhooks once.

Called by the drainer after it added a batch to the links' counters: an organization
whose webhooks do not listen costs one cached lookup, no query.
"""

from __future__ import annotations

from collections.abc import Mapping

from chorus.core.tenancy import in_organization
from chorus.links.models import Link
from chorus.webhooks.catalog import CLICK_MILESTONES
from chorus.webhooks.services.events import member_data, subscribed_types, webhook_emit

EVENT = "link.click_milestone"


def crossed(before: int, after: int) -> list[int]:
    return [milestone for milestone in CLICK_MILESTONES if before < milestone <= after]


def click_milestones_emit(*, added: Mapping[int, tuple[int, int]]) -> int:
    """`added`: link id -> (organization id, unique clicks just added). Returns how many
    milestones were sent."""
    by_organization: dict[int, dict[int, int]] = {}
    for link_id, (organization_id, count) in added.items():
        if count:
            by_organization.setdefault(organization_id, {})[link_id] = count
    # links.services.links imports the drainer, which imports this module.
    from chorus.links.services.links import short_url

    sent = 0
    for organization_id, counts in by_organization.items():
        if EVENT not in subscribed_types(organization_id):
            continue
        with in_organization(organization_id):
            links = Link.objects.filter(pk__in=list(counts)).select_related("membership__user")
            for link in links:
                for milestone in crossed(link.unique_clicks - counts[link.pk], link.unique_clicks):
                    webhook_emit(
                        organization=organization_id,
                        event_type=EVENT,
                        data={
                            "link": {
                                "id": link.pk,
                                "short_url": short_url(link),
                                "post_id": link.post_id,
                                "network": link.network,
                            },
                            "milestone": milestone,
                            "unique_clicks": link.unique_clicks,
                            "member": member_data(link.membership)
                            if link.membership is not None
                            else None,
                        },
                    )
                    sent += 1
    return sent
