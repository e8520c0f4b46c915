"""The data the multi-machine test (test_multi_machine.py) starts from, written into its own
PostgreSQL database by a `manage.py shell` process of the deployment under test.

`setup(instance, due_seconds)` prints one JSON line: the tracked links' codes, the shares it
scheduled (id, idempotency key, when due) and, for the members who schedule more shares
through the API during the run, their post, and API tokens.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.tokens import api_token_create
from chorus.content.models import PostState
from chorus.core.tenancy import in_organization
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
)
from chorus.links.services.links import link_mint
from chorus.sharing.models import NetworkSettings
from chorus.sharing.services.publishing import share_create_api

MEMBERS = 12


def setup(instance, due_seconds):
    organization = OrganizationFactory(name="Multi Machine Corp", slug="multi")
    with in_organization(organization):
        NetworkSettings.objects.update_or_create(
            organization=organization, network="mastodon", defaults={"publishing_enabled": True}
        )
        post = PostFactory(
            organization=organization,
            state=PostState.LIVE,
            title="Our report is out",
            link_url="https://www.example.com/report",
        )
        members = [
            MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
            for _ in range(MEMBERS)
        ]
        for member in members:
            NetworkConnectionFactory(membership=member, instance=instance)
        codes = [link_mint(post=post, membership=member).code for member in members]
        now = timezone.now()
        # The first members' shares are scheduled now, each due a moment into the run.
        shares = []
        for member, seconds in zip(members, due_seconds, strict=False):
            share = share_create_api(
                membership=member,
                post=post,
                network="mastodon",
                text=f"Scheduled by member {member.pk}",
                when=now + timedelta(seconds=seconds),
            )
            shares.append({"id": share.pk, "key": str(share.idempotency_key)})
        # The others schedule theirs through the API while nodes die.
        api_members = members[len(shares) :]
        tokens = [
            api_token_create(membership=member, name="multi-machine test")[1]
            for member in api_members
        ]
    print(json.dumps({"codes": codes, "shares": shares, "post": post.pk, "tokens": tokens}))
