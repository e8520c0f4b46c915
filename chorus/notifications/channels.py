"""The channels' interface and their registry.

Each channel is a sub-package of this app (`email/`, `slack/`, `teams/`, `webpush/`) with its
own transport, models, pages and tests, and registers itself here when Django starts
(`AppConfig.ready`). The delivery engine (`services/delivery.py`) only talks to channels
through this interface, so a channel never needs to know who decided to send what.

- A **member channel** reaches one member (an email, a Slack direct message, a push to
  their devices): `reachable` says who can be reached at all, `send` sends a batch.
- An **organization channel** posts to a place many people read (a Slack channel, a Teams
  channel through a Workflows webhook): `destinations` lists where a category goes,
  `post` posts one message to one of them.

`send` and `post` never raise for a failed message: they answer an `Outcome` per message.
`SENT`; `RETRY` (a temporary failure: the engine tries again with back-off, honouring
``retry_after``); `FAILED` (permanent for this message), with ``stop`` when the address
itself is dead (a bounced address, a revoked token, an expired push subscription): the
engine then stops this channel for that member (or destination) and tells the admins.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.db import models

if TYPE_CHECKING:
    from chorus.accounts.models import Membership, Organization
    from chorus.notifications.messages import Message


class OutcomeStatus(models.TextChoices):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    error: str = ""
    retry_after: int | None = None  # seconds, when the receiver said so
    stop: bool = False  # the address is dead: stop this channel for this member/destination
    remote_id: str = ""  # the receiver's id for the message (SMTP Message-ID, Slack ts)

    @classmethod
    def sent(cls, remote_id: str = "") -> Outcome:
        return cls(OutcomeStatus.SENT, remote_id=remote_id)

    @classmethod
    def retry(cls, error: str, retry_after: int | None = None) -> Outcome:
        return cls(OutcomeStatus.RETRY, error=error[:500], retry_after=retry_after)

    @classmethod
    def failed(cls, error: str, *, stop: bool = False) -> Outcome:
        return cls(OutcomeStatus.FAILED, error=error[:500], stop=stop)


@dataclass(frozen=True)
class Outgoing:
    """One message for one member. ``delivery_id`` is unique per message and channel: use it
    (or ``key``) as the idempotency key where the receiver takes one."""

    delivery_id: int
    key: str
    membership: Membership
    message: Message


@dataclass(frozen=True)
class Destination:
    """A place an organization channel posts to: its id in the channel's own table."""

    id: str
    label: str


class MemberChannel(Protocol):
    name: ClassVar[str]  # a `Channel` value

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        """Of these members, those this channel can reach now (linked, subscribed, not
        stopped), in one or two queries whatever their number."""
        ...

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        """Send each message; one outcome per message, in order. A batch shares one
        connection where the transport allows (one SMTP session for a whole batch)."""
        ...


class OrganizationChannel(Protocol):
    name: ClassVar[str]

    def destinations(self, *, organization: Organization, category: str) -> list[Destination]:
        """Where messages of this category go in this organization (may be none)."""
        ...

    def post(
        self, *, organization: Organization, destination_id: str, message: Message
    ) -> Outcome: ...


_member_channels: dict[str, MemberChannel] = {}
_organization_channels: dict[str, OrganizationChannel] = {}


def register_member_channel(channel: MemberChannel) -> None:
    _member_channels[channel.name] = channel


def register_organization_channel(channel: OrganizationChannel) -> None:
    _organization_channels[channel.name] = channel


def member_channel(name: str) -> MemberChannel | None:
    return _member_channels.get(name)


def member_channels() -> dict[str, MemberChannel]:
    return dict(_member_channels)


def organization_channels() -> dict[str, OrganizationChannel]:
    return dict(_organization_channels)
