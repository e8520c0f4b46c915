from __future__ import annotations

from typing import Any

import pytest

from chorus.accounts.models import Membership, Organization
from chorus.factories import MembershipFactory
from chorus.pilot.models import Pilot
from chorus.pilot.services.pilot import pilot_start


def member(organization: Organization, **fields: Any) -> Membership:
    found: Membership = MembershipFactory.create(organization=organization, **fields)
    return found


@pytest.fixture
def pilot(organization: Organization, admin_member: Membership) -> Pilot:
    return pilot_start(organization=organization, actor=admin_member.user)
