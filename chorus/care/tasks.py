"""Care's background work: polling sources, routing, publishing replies, reading their
reactions back, warning before targets are missed."""

from __future__ import annotations

from django_tasks import task

from chorus.care.models import CareReply, Conversation, CrisisFlag
from chorus.core.tenancy import runs_across_organizations, runs_in_organization_of

# Replies and escalation ----------------------------------------------------------------


@task()
@runs_in_organization_of(CareReply, "reply_id")
def care_reply_publish(*, reply_id: int) -> str:
    """Post one reply in the customer's thread if it is due (idempotent)."""
    from chorus.care.services.publishing import reply_publish_run

    return reply_publish_run(reply_id=reply_id)


@task()
@runs_across_organizations("every organization's replies waiting to be posted")
def care_replies_publish_due() -> int:
    """Every minute: replies whose (re)try time came, and ones a dead worker left."""
    from chorus.care.services.publishing import replies_publish_due

    return replies_publish_due()


@task()
@runs_in_organization_of(Conversation, "conversation_id")
def care_escalation_deliver(*, conversation_id: int) -> dict[str, str]:
    """Send an escalated conversation to the support team (email, webhook)."""
    from chorus.care.services.escalation import escalation_deliver_run

    return escalation_deliver_run(conversation_id=conversation_id)


@task()
@runs_across_organizations("every organization's escalations not delivered yet")
def care_escalations_deliver_due() -> int:
    """Every minute: escalations to send again after a failure."""
    from chorus.care.services.escalation import escalations_deliver_due

    return escalations_deliver_due()


@task()
@runs_in_organization_of(CrisisFlag, "flag_id")
def care_crisis_alert_channels(*, flag_id: int) -> int:
    """Post a crisis flag to the Slack and Teams channels chosen for crisis alerts."""
    from chorus.care.services.crisis import crisis_alert_channels

    return crisis_alert_channels(flag_id=flag_id)


# Measuring ------------------------------------------------------------------------------


@task()
@runs_across_organizations("every organization's conversations close to a target")
def care_breach_warnings_send() -> int:
    """Every 5 minutes: warn about conversations about to miss a target, once each."""
    from chorus.care.services.warnings import breach_warnings_send_all

    return breach_warnings_send_all()


@task()
@runs_across_organizations("every organization's published replies of the last 30 days")
def care_replies_fetch_metrics() -> dict[str, int]:
    """Every hour: read back the reactions to published replies."""
    from chorus.care.services.metrics import replies_fetch_metrics

    return replies_fetch_metrics()


# Sources -------------------------------------------------------------------------------


@task()
@runs_across_organizations("every organization's listening sources that are due")
def care_sources_poll() -> int:
    """Every minute: read the sources whose next poll is due (each failing on its own)."""
    from chorus.care.services.sources import sources_poll_due

    return sources_poll_due()


# Routing -------------------------------------------------------------------------------


@task()
@runs_across_organizations("every organization's new conversations and their assignees")
def care_conversations_route() -> dict[str, int]:
    """Every minute: take back what an unavailable member holds, route what is new."""
    from chorus.care.services.routing import care_route_all

    return care_route_all()
