from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from chorus.accounts.models import Invitation, Membership, Organization
from chorus.content.models import Post
from chorus.gamification.models import PointEntry
from chorus.links.models import Click
from chorus.sharing.models import Share


def test_create_organization_invites_its_first_admin(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_organization", "Initech Corp", "Boss@Initech.test")
    organization = Organization.objects.get(slug="initech-corp")
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "boss@initech.test"
    assert "admin" in invitation.roles
    assert len(mail.outbox) == 1
    assert "/invitations/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Initech", "not-an-email"], "not an email"),
        (["!!!", "boss@initech.test"], "letters or digits"),
    ],
)
def test_create_organization_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_organization", *args)
    assert not Organization.objects.exists()


def test_create_organization_refuses_a_taken_slug(organization):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organization", "Acme", "someone@acme.test")
    assert Organization.objects.count() == 1


def test_seed_demo_twice_keeps_data(db):
    call_command("seed_demo")
    count = Membership.objects.count()
    maya = Membership.objects.get(user__email="maya.schmidt@acme.example")
    maya.title = "Edited by hand"
    maya.save(update_fields=["title"])
    post = Post.objects.filter(state="draft").first()
    post.title = "Retitled by hand"
    post.save(update_fields=["title"])
    made = {model: model.objects.count() for model in (Post, Share, Click, PointEntry)}
    call_command("seed_demo")
    assert Membership.objects.count() == count >= 23
    maya.refresh_from_db()
    assert maya.title == "Edited by hand"
    post.refresh_from_db()
    assert post.title == "Retitled by hand"
    assert Membership.objects.filter(is_admin=True).exists()
    states = set(Post.objects.values_list("state", flat=True))
    assert {"draft", "in_review", "rejected", "scheduled", "live"} <= states
    # The second run adds nothing: no posts, shares, clicks or points.
    assert {model: model.objects.count() for model in made} == made
    assert made[Post] >= 30
    # Most employees are in the program, each with their own recorded consent; some are not.
    joined = Membership.objects.filter(program_status="joined")
    assert 10 <= joined.count() < Membership.objects.filter(is_admin=False).count()
    assert all(m.consents.filter(action="joined").exists() for m in joined)
    assert joined.filter(user__email="maya.schmidt@acme.example").exists()
