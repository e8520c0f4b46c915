"""The gates API: what needs a certification (admins), and a member's own verdict."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, NetworkName, PathId
from chorus.content.models import Post, Topic
from chorus.training.models import Certification, Gate
from chorus.training.selectors.gates import gate_check, gate_sentence
from chorus.training.services import gates as services

router = Router(tags=["training"])

ActionName = Literal["join", "share", "network", "sensitive", "auto_share", "care"]


class GateOut(Schema):
    id: int
    action: str
    certification_id: int | None
    requires_policy: bool
    network: str = Field(description="For `network` gates")
    campaign: str = Field(description="For `sensitive` gates: posts of this campaign")
    topic_id: int | None = Field(description="For `sensitive` gates: posts about this topic")
    description: str = Field(description="The gate in plain words")


class GateIn(Input):
    action: ActionName
    certification_id: Id | None = None
    requires_policy: bool = False
    network: NetworkName | Literal[""] = ""
    campaign: str = Field("", max_length=services.MAX_CAMPAIGN)
    topic_id: Id | None = None


class GateBlockOut(Schema):
    reason: str
    fix_url: str = Field(
        description="The one page that fixes it (a course, the policy); empty when nothing "
        "the member can do fixes it (an admin paused sharing)"
    )
    fix_label: str


class GateVerdictOut(Schema):
    allowed: bool
    gates: list[GateBlockOut] = Field(description="What is missing, when not allowed")


class GateCheckFilters(Input):
    action: Literal["join", "share", "auto_share", "care"] = "share"
    network: NetworkName | Literal[""] = ""
    post_id: Id | None = None


def _gate_out(gate: Gate) -> GateOut:
    return GateOut(
        id=gate.pk,
        action=gate.action,
        certification_id=gate.certification_id,
        requires_policy=gate.requires_policy,
        network=gate.network,
        campaign=gate.campaign,
        topic_id=gate.topic_id,
        description=gate_sentence(gate),
    )


@router.get(
    "/training/gates",
    response={200: list[GateOut]},
    summary="What needs certification",
    description="Admins: every gate of the organization.",
)
@api_roles("admin")
def gate_list(request: HttpRequest) -> list[GateOut]:
    caller = calling_member(request)
    gates = Gate.objects.filter(organization=caller.organization).select_related(
        "certification", "topic"
    )
    return [_gate_out(gate) for gate in gates]


@router.post(
    "/training/gates",
    response={201: GateOut, 404: Error, 422: Error},
    summary="Require a certification (or the acknowledged policy)",
    description=(
        "Admins. `network` gates name a network; `sensitive` gates a campaign or a topic, or "
        "neither for posts marked as requiring certification. 422 for a combination that "
        "does not fit, or one already required; 404 for a foreign certification or topic."
    ),
)
@api_roles("admin")
def gate_create(request: HttpRequest, payload: GateIn) -> Status[GateOut]:
    caller = calling_member(request)
    certification = (
        get_object_or_404(
            Certification, pk=payload.certification_id, organization=caller.organization
        )
        if payload.certification_id is not None
        else None
    )
    topic = (
        get_object_or_404(Topic, pk=payload.topic_id, organization=caller.organization)
        if payload.topic_id is not None
        else None
    )
    gate = services.gate_add(
        membership=caller,
        action=payload.action,
        certification=certification,
        requires_policy=payload.requires_policy,
        network=payload.network,
        campaign=payload.campaign,
        topic=topic,
    )
    return Status(201, _gate_out(gate))


@router.delete(
    "/training/gates/{gate_id}",
    response={204: None, 404: Error},
    summary="No longer require it",
)
@api_roles("admin")
def gate_delete(request: HttpRequest, gate_id: PathId) -> Status[None]:
    caller = calling_member(request)
    gate = get_object_or_404(Gate, pk=gate_id, organization=caller.organization)
    services.gate_remove(membership=caller, gate=gate)
    return Status(204, None)


@router.get(
    "/training/gate-check",
    response={200: GateVerdictOut, 404: Error},
    summary="May I do this?",
    description=(
        "The caller's verdict for joining, sharing (to a network, a post), auto-share or "
        "answering customers, with what is missing and the one link that fixes each."
    ),
)
@api_roles()
def gate_check_operation(request: HttpRequest, filters: Query[GateCheckFilters]) -> GateVerdictOut:
    caller = calling_member(request)
    post = (
        get_object_or_404(Post, pk=filters.post_id, organization=caller.organization)
        if filters.post_id is not None
        else None
    )
    verdict = gate_check(
        membership=caller, action=filters.action, network=filters.network, post=post
    )
    return GateVerdictOut(
        allowed=verdict.allowed,
        gates=[
            GateBlockOut(reason=block.reason, fix_url=block.fix_url, fix_label=block.fix_label)
            for block in verdict.blocks
        ],
    )
