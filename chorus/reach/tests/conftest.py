from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, ClassVar

import pytest

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.factories import MembershipFactory
from chorus.notifications import channels as registry
from chorus.notifications.channels import Outcome, Outgoing
from chorus.notifications.messages import Channel


class RecordingChannel:
    """Stands in for the email channel where a test looks at messages, not at SMTP."""

    name: ClassVar[str] = Channel.EMAIL

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        return set(membership_ids)

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        self.sent.extend(batch)
        return [Outcome.sent("id") for _ in batch]


@pytest.fixture
def email() -> Iterator[RecordingChannel]:
    channel = RecordingChannel()
    before = registry.member_channel(Channel.EMAIL)
    registry.register_member_channel(channel)
    yield channel
    if before is not None:
        registry.register_member_channel(before)


@pytest.fixture
def site(settings: Any) -> None:
    settings.SITE_URL = "https://chorus.example"
    settings.TIME_ZONE = "Europe/Berlin"


def joined(organization: Organization, **fields: Any) -> Membership:
    member: Membership = MembershipFactory.create(
        organization=organization, program_status=ProgramStatus.JOINED, **fields
    )
    return member
