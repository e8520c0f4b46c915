"""Writes for gates: an admin says what needs a certification (or the acknowledged policy).

Where gates are enforced: chorus.training.selectors.gates (gate_check, gate_require).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.content.models import Network, Topic
from chorus.core.audit import audit_record
from chorus.training.models import Certification, Gate, GateAction
from chorus.training.selectors.gates import gate_sentence

MAX_CAMPAIGN = 100


def _require_admin(membership: Membership) -> None:
    if not membership.has_role("admin"):
        raise PermissionDenied(_("Only admins decide what needs certification."))


def gate_add(
    *,
    membership: Membership,
    action: str,
    certification: Certification | None = None,
    requires_policy: bool = False,
    network: str = "",
    campaign: str = "",
    topic: Topic | None = None,
) -> Gate:
    """Require `certification` (and/or the acknowledged policy) for `action`.

    NETWORK gates name a network; SENSITIVE gates name a campaign or a topic (or neither:
    then they cover posts marked "only certified members may share"). Raises
    PermissionDenied for non-admins, ValidationError (by field) for bad input."""
    _require_admin(membership)
    network = network.strip()
    campaign = " ".join(campaign.replace("\x00", "").split())
    errors: dict[str, list[str]] = {}
    if action not in GateAction.values:
        errors["action"] = [_("Choose what needs certification.")]
    if certification is None and not requires_policy:
        errors["certification"] = [_("Choose a certification, or require the social media policy.")]
    elif certification is not None and (
        certification.organization_id != membership.organization_id
    ):
        errors["certification"] = [_("Choose a certification of your organization.")]
    if action == GateAction.NETWORK:
        if network not in Network.values:
            errors["network"] = [_("Choose the network.")]
    elif network:
        errors["network"] = [_("Only “Share to a network” names a network.")]
    if action == GateAction.SENSITIVE:
        if campaign and topic is not None:
            errors["campaign"] = [_("Name a campaign or a topic, not both.")]
        if len(campaign) > MAX_CAMPAIGN:
            errors["campaign"] = [
                _("A campaign has at most %(max)s characters.") % {"max": MAX_CAMPAIGN}
            ]
        if topic is not None and topic.organization_id != membership.organization_id:
            errors["topic"] = [_("Choose a topic of your organization.")]
    else:
        if campaign:
            errors["campaign"] = [_("Only “Share sensitive posts” names a campaign.")]
        if topic is not None:
            errors["topic"] = [_("Only “Share sensitive posts” names a topic.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        same = Gate.objects.filter(
            organization_id=membership.organization_id,
            action=action,
            certification=certification,
            requires_policy=requires_policy,
            network=network,
            campaign=campaign,
            topic=topic,
        )
        if same.exists():
            raise ValidationError(_("That is already required."))
        gate = Gate.objects.create(
            organization_id=membership.organization_id,
            action=action,
            certification=certification,
            requires_policy=requires_policy,
            network=network,
            campaign=campaign,
            topic=topic,
            created_by=membership.user,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.gate_added",
            target=gate,
            target_label=gate_sentence(gate),
            data={
                "action": action,
                "certification": certification.pk if certification else None,
                "requires_policy": requires_policy,
                "network": network,
                "campaign": campaign,
                "topic": topic.pk if topic else None,
            },
        )
    return gate


def gate_remove(*, membership: Membership, gate: Gate) -> None:
    """The action no longer needs what the gate asked for."""
    _require_admin(membership)
    if gate.organization_id != membership.organization_id:
        raise PermissionDenied(_("Only admins decide what needs certification."))
    with transaction.atomic():
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.gate_removed",
            target=gate,
            target_label=gate_sentence(gate),
            data={"action": gate.action},
        )
        gate.delete()
