"""The post's page in content leads curators to announce it, while it is live."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.factories import MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


def _post(organization: Organization, state: str, **fields: Any) -> Post:
    post: Post = PostFactory.create(organization=organization, state=state, **fields)
    return post


def test_curators_and_admins_see_announce_on_a_live_post_only(
    client: Any, organization: Organization
) -> None:
    live = _post(organization, PostState.LIVE)
    ended = _post(
        organization, PostState.LIVE, publish_end=timezone.now() - datetime.timedelta(hours=1)
    )
    draft = _post(organization, PostState.DRAFT)
    announce = reverse("reach_announce", args=[live.pk])

    for fields in ({"is_curator": True}, {"is_admin": True}):
        client.force_login(MembershipFactory.create(organization=organization, **fields).user)
        assert announce in client.get(reverse("post_detail", args=[live.pk])).content.decode()
        for other in (ended, draft):
            page = client.get(reverse("post_detail", args=[other.pk])).content.decode()
            assert reverse("reach_announce", args=[other.pk]) not in page

    client.force_login(MembershipFactory.create(organization=organization, is_approver=True).user)
    page = client.get(reverse("post_detail", args=[live.pk])).content.decode()
    assert announce not in page
