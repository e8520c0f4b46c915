from __future__ import annotations

from typing import Any

import pytest

from chorus.community.models import Space
from chorus.community.services.spaces import space_create
from chorus.factories import MembershipFactory


@pytest.fixture
def curator(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_curator=True, user__name="Cora Curator")


@pytest.fixture
def maya(organization: Any) -> Any:
    return MembershipFactory(
        organization=organization, user__name="Maya Lin", user__email="maya@acme.test"
    )


@pytest.fixture
def noah(organization: Any) -> Any:
    return MembershipFactory(
        organization=organization, user__name="Noah Berg", user__email="noah@acme.test"
    )


@pytest.fixture
def space(curator: Any) -> Space:
    return space_create(membership=curator, name="LinkedIn tips", description="What works")


@pytest.fixture
def private_space(curator: Any) -> Space:
    return space_create(membership=curator, name="Pilot cohort", visibility="invite_only")
