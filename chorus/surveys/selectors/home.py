"""What the home page shows of surveys: the rounds waiting for the member (one query)."""

from __future__ import annotations

from chorus.accounts.models import Membership, Organization
from chorus.surveys.models import Round
from chorus.surveys.selectors.surveys import pending_rounds

SHOWN = 3


def surveys_waiting(*, organization: Organization, membership: Membership) -> list[Round]:
    return list(pending_rounds(organization=organization, membership=membership)[:SHOWN])
