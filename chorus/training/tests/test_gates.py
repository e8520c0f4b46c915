"""Gates: what needs a certification (or the acknowledged policy), decided in one query,
enforced in services, pages and the API alike."""

from __future__ import annotations

import json
import secrets
from datetime import time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.actions.members import member_join_program
from chorus.content.models import Caption, PostState
from chorus.core.models import AuditEvent
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
    TopicFactory,
)
from chorus.notifications.models import Notification
from chorus.sharing.models import AutoShare, NetworkSettings, Share, ShareStatus
from chorus.sharing.services.intents import share_intent_open
from chorus.sharing.services.publishing import share_publish_now, share_publish_run, share_schedule
from chorus.sharing.services.schedule import autoshare_enable, autoshare_run_one
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    CourseCompletion,
    CourseState,
    Gate,
    GateAction,
    Policy,
    PolicyAcknowledgement,
    PolicyVersion,
)
from chorus.training.selectors.gates import (
    GateRefused,
    gate_check,
    gates_for_member,
    sensitive_post_help,
)
from chorus.training.services.gates import gate_add, gate_remove


def certify(membership: Any, certification: Certification, **fields: Any) -> Certificate:
    return Certificate.objects.create(
        organization=membership.organization,
        certification=certification,
        membership=membership,
        code=secrets.token_hex(8),
        **fields,
    )


def call(client: Client, method: str, path: str, member: Any, body: Any = None) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


@pytest.fixture
def world(organization: Any) -> SimpleNamespace:
    org = organization
    admin: Any = MembershipFactory(
        organization=org, is_admin=True, program_status=ProgramStatus.JOINED
    )
    trainer: Any = MembershipFactory(organization=org, is_trainer=True)
    maya: Any = MembershipFactory(
        organization=org, program_status=ProgramStatus.JOINED, user__email="maya@acme.test"
    )
    social = Certification.objects.create(organization=org, name="Social media")
    basics = Course.objects.create(
        organization=org,
        title="Social basics",
        state=CourseState.PUBLISHED,
        required=True,
        major_version=1,
    )
    advanced = Course.objects.create(
        organization=org, title="X advanced", state=CourseState.PUBLISHED, major_version=1
    )
    social.courses.add(basics, advanced)
    topic = TopicFactory(organization=org, name="Earnings")
    foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
    foreign_admin: Any = MembershipFactory(organization=foreign_org, is_admin=True)
    foreign_certification = Certification.objects.create(organization=foreign_org, name="Theirs")
    foreign_gate = Gate.objects.create(
        organization=foreign_org, action=GateAction.SHARE, certification=foreign_certification
    )
    return SimpleNamespace(
        org=org,
        admin=admin,
        trainer=trainer,
        maya=maya,
        social=social,
        basics=basics,
        advanced=advanced,
        topic=topic,
        foreign_admin=foreign_admin,
        foreign_certification=foreign_certification,
        foreign_gate=foreign_gate,
    )


def gate(world: SimpleNamespace, action: str, **fields: Any) -> Gate:
    fields.setdefault("certification", world.social)
    return Gate.objects.create(organization=world.org, action=action, **fields)


def live(world: SimpleNamespace, **fields: Any) -> Any:
    fields.setdefault("state", PostState.LIVE)
    return PostFactory(organization=world.org, **fields)


def allowed(world: SimpleNamespace, action: str, **kwargs: Any) -> bool:
    return gate_check(membership=world.maya, action=action, **kwargs).allowed


# Verdicts ---------------------------------------------------------------------------------


def test_no_gates_allow_everything(world: SimpleNamespace) -> None:
    post = live(world, requires_certification=True, campaign="Q3")
    for action in GateAction.values:
        assert allowed(world, action, network="x", post=post)


def test_each_action_is_gated_on_its_own(world: SimpleNamespace) -> None:
    post = live(world)
    gate(world, GateAction.JOIN)
    assert not allowed(world, GateAction.JOIN)
    assert allowed(world, GateAction.SHARE, network="x", post=post)
    assert allowed(world, GateAction.CARE)
    gate(world, GateAction.CARE)
    assert not allowed(world, GateAction.CARE)
    assert allowed(world, GateAction.AUTO_SHARE)
    gate(world, GateAction.AUTO_SHARE)
    assert not allowed(world, GateAction.AUTO_SHARE)
    assert allowed(world, GateAction.SHARE, network="x", post=post)
    # Sharing at all also closes auto-share, which shares.
    Gate.objects.all().delete()
    gate(world, GateAction.SHARE)
    assert not allowed(world, GateAction.SHARE)
    assert not allowed(world, GateAction.AUTO_SHARE, network="mastodon", post=post)
    assert allowed(world, GateAction.JOIN)
    certify(world.maya, world.social)
    assert allowed(world, GateAction.SHARE, network="x", post=post)


def test_network_gate_blocks_that_network_with_a_link_to_the_first_course_not_done(
    world: SimpleNamespace,
) -> None:
    gate(world, GateAction.NETWORK, network="x")
    post = live(world)
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x", post=post)
    assert not verdict.allowed
    assert verdict.reasons == ["Sharing to X needs the certification “Social media”."]
    assert verdict.blocks[0].fix_url == f"/learning/{world.basics.pk}/"
    assert "Social basics" in verdict.blocks[0].fix_label
    assert allowed(world, GateAction.SHARE, network="linkedin", post=post)
    CourseCompletion.objects.create(
        organization=world.org,
        membership=world.maya,
        course=world.basics,
        major_version=1,
        minor_version=0,
    )
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x")
    assert verdict.blocks[0].fix_url == f"/learning/{world.advanced.pk}/"
    # Every course done (a session may be missing): the certificates page says what is.
    CourseCompletion.objects.create(
        organization=world.org,
        membership=world.maya,
        course=world.advanced,
        major_version=1,
        minor_version=0,
    )
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x")
    assert verdict.blocks[0].fix_url == "/learning/certificates/"
    certify(world.maya, world.social)
    assert allowed(world, GateAction.SHARE, network="x")


def test_sensitive_gates_by_campaign_topic_and_the_post_flag(world: SimpleNamespace) -> None:
    plain = live(world)
    campaign_post = live(world, campaign="Q3 results")
    topic_post = live(world)
    topic_post.topics.add(world.topic)
    flagged = live(world, requires_certification=True)
    by_campaign = gate(world, GateAction.SENSITIVE, campaign="Q3 results")
    assert not allowed(world, GateAction.SHARE, post=campaign_post)
    assert allowed(world, GateAction.SHARE, post=topic_post)
    by_campaign.delete()
    gate(world, GateAction.SENSITIVE, topic=world.topic)
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, post=topic_post)
    assert verdict.reasons == [
        "Sharing posts about “Earnings” needs the certification “Social media”."
    ]
    assert allowed(world, GateAction.SHARE, post=campaign_post)
    assert allowed(world, GateAction.SHARE, post=flagged)
    gate(world, GateAction.SENSITIVE)
    assert not allowed(world, GateAction.SHARE, post=flagged)
    assert allowed(world, GateAction.SHARE, post=plain)
    assert allowed(world, GateAction.SHARE, post=campaign_post)


def test_policy_gate_waits_for_the_latest_version(world: SimpleNamespace) -> None:
    gate(world, GateAction.SHARE, certification=None, requires_policy=True)
    # Nothing published: nothing to acknowledge.
    assert allowed(world, GateAction.SHARE)
    policy = Policy.objects.create(organization=world.org, title="Policy")
    first = PolicyVersion.objects.create(
        organization=world.org, policy=policy, number=1, title="Policy", body="Be kind."
    )
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE)
    assert verdict.reasons == ["Sharing needs you to acknowledge the current social media policy."]
    assert verdict.blocks[0].fix_url == "/policy/"
    PolicyAcknowledgement.objects.create(
        organization=world.org, version=first, membership=world.maya
    )
    assert allowed(world, GateAction.SHARE)
    PolicyVersion.objects.create(
        organization=world.org, policy=policy, number=2, title="Policy", body="Be kinder."
    )
    assert not allowed(world, GateAction.SHARE)


def test_expiry_and_revocation_reopen_the_gate(world: SimpleNamespace) -> None:
    gate(world, GateAction.NETWORK, network="x")
    now = timezone.now()
    certificate = certify(world.maya, world.social, expires_at=now + timedelta(days=30))
    assert allowed(world, GateAction.SHARE, network="x")
    with time_machine.travel(now + timedelta(days=31)):
        assert not allowed(world, GateAction.SHARE, network="x")
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=now)
    assert not allowed(world, GateAction.SHARE, network="x")
    certify(world.maya, world.social, issued_at=now + timedelta(days=1))
    assert not allowed(world, GateAction.SHARE, network="x")  # not issued yet
    # Another member's certificate, or another certification's, counts for nothing.
    other = Certification.objects.create(organization=world.org, name="Other")
    certify(world.maya, other)
    certify(world.admin, world.social)
    assert not allowed(world, GateAction.SHARE, network="x")


def test_a_share_is_decided_in_one_query(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    gate(world, GateAction.SHARE, certification=None, requires_policy=True)
    gate(world, GateAction.NETWORK, network="x")
    gate(world, GateAction.SENSITIVE, topic=world.topic)
    gate(world, GateAction.SENSITIVE, campaign="Q3")
    gate(world, GateAction.SENSITIVE)
    policy = Policy.objects.create(organization=world.org, title="Policy")
    PolicyVersion.objects.create(
        organization=world.org, policy=policy, number=1, title="Policy", body="Be kind."
    )
    post = live(world, requires_certification=True, campaign="Q3")
    post.topics.add(world.topic)
    with django_assert_max_num_queries(1):
        verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x", post=post)
    assert len(verdict.blocks) == 5
    assert {block.fix_url for block in verdict.blocks} == {
        "/policy/",
        f"/learning/{world.basics.pk}/",
    }
    prefetched = type(post).objects.prefetch_related("topics").get(pk=post.pk)
    with django_assert_max_num_queries(1):
        again = gate_check(
            membership=world.maya, action=GateAction.SHARE, network="x", post=prefetched
        )
    assert again == verdict


def test_gates_for_member_decide_many_posts_like_gate_check(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    gate(world, GateAction.SENSITIVE, topic=world.topic)
    gate(world, GateAction.SENSITIVE)
    gate(world, GateAction.NETWORK, network="x")
    posts = [live(world), live(world, requires_certification=True), live(world)]
    posts[2].topics.add(world.topic)
    loaded = list(
        type(posts[0]).objects.filter(pk__in=[p.pk for p in posts]).prefetch_related("topics")
    )
    with django_assert_max_num_queries(4):
        gates = gates_for_member(membership=world.maya)
        verdicts = {post.pk: gates.post_verdict(post) for post in loaded}
        blocked_networks = gates.networks_blocked()
    for post in posts:
        assert verdicts[post.pk] == gate_check(
            membership=world.maya, action=GateAction.SHARE, post=post
        )
    assert [verdicts[post.pk].allowed for post in posts] == [True, False, False]
    assert list(blocked_networks) == ["x"]


# Admins set gates -------------------------------------------------------------------------


def test_admins_add_and_remove_gates_validated_and_audited(world: SimpleNamespace) -> None:
    added = gate_add(
        membership=world.admin, action=GateAction.NETWORK, certification=world.social, network="x"
    )
    assert AuditEvent.objects.filter(action="training.gate_added").count() == 1
    with pytest.raises(ValidationError, match="already required"):
        gate_add(
            membership=world.admin,
            action=GateAction.NETWORK,
            certification=world.social,
            network="x",
        )
    bad: list[dict[str, Any]] = [
        {"action": GateAction.NETWORK, "certification": world.social},  # no network
        {"action": GateAction.NETWORK, "certification": world.social, "network": "myspace"},
        {"action": GateAction.SHARE, "certification": world.social, "network": "x"},
        {"action": GateAction.SHARE, "certification": world.social, "campaign": "Q3"},
        {"action": GateAction.JOIN, "certification": world.social, "topic": world.topic},
        {
            "action": GateAction.SENSITIVE,
            "certification": world.social,
            "campaign": "Q3",
            "topic": world.topic,
        },
        {"action": GateAction.SHARE},  # nothing required
        {"action": "fly", "certification": world.social},
        {"action": GateAction.SHARE, "certification": world.foreign_certification},
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            gate_add(membership=world.admin, **values)
    for member in (world.trainer, world.maya):
        with pytest.raises(PermissionDenied):
            gate_add(membership=member, action=GateAction.SHARE, certification=world.social)
        with pytest.raises(PermissionDenied):
            gate_remove(membership=member, gate=added)
    with pytest.raises(PermissionDenied):
        gate_remove(membership=world.admin, gate=world.foreign_gate)
    assert Gate.objects.filter(organization=world.org).count() == 1
    gate_remove(membership=world.admin, gate=added)
    assert not Gate.objects.filter(organization=world.org).exists()
    assert AuditEvent.objects.filter(action="training.gate_removed").count() == 1


def test_the_gates_page_lists_in_plain_words_adds_and_removes(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.admin.user)
    response = client.post(
        "/manage/training/gates/",
        {"action": "network", "certification": world.social.pk, "network": "x"},
    )
    assert response.status_code == 302
    page = client.get("/manage/training/gates/").content.decode()
    assert "Sharing to X needs: the certification “Social media”" in page
    assert "Theirs" not in page
    # Bad input: the form says why, nothing saved, what was chosen stays.
    response = client.post(
        "/manage/training/gates/",
        {"action": "share", "certification": world.social.pk, "campaign": "Q3 launch"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "names a campaign" in body and 'value="Q3 launch"' in body
    assert Gate.objects.filter(organization=world.org).count() == 1
    # A foreign certification is not a choice.
    response = client.post(
        "/manage/training/gates/",
        {"action": "share", "certification": world.foreign_certification.pk},
    )
    assert response.status_code == 400
    added = Gate.objects.get(organization=world.org)
    assert client.post(f"/manage/training/gates/{world.foreign_gate.pk}/remove/").status_code == 404
    assert client.post(f"/manage/training/gates/{added.pk}/remove/").status_code == 302
    assert not Gate.objects.filter(organization=world.org).exists()
    assert Gate.objects.filter(pk=world.foreign_gate.pk).exists()


def test_only_admins_open_the_gates_page_and_see_it_in_the_navigation(
    client: Client, world: SimpleNamespace
) -> None:
    added = gate(world, GateAction.SHARE)
    for member in (world.trainer, world.maya):
        client.force_login(member.user)
        assert client.get("/manage/training/gates/").status_code == 403
        assert client.post(f"/manage/training/gates/{added.pk}/remove/").status_code == 403
        assert 'href="/manage/training/gates/"' not in client.get("/learning/").content.decode()
    client.force_login(world.admin.user)
    assert 'href="/manage/training/gates/"' in client.get("/learning/").content.decode()


def test_the_gates_api_for_admins(client: Client, world: SimpleNamespace) -> None:
    response = call(
        client,
        "POST",
        "/training/gates",
        world.admin,
        {"action": "sensitive", "certification_id": world.social.pk, "topic_id": world.topic.pk},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (
        created["description"]
        == "Sharing posts about “Earnings” needs: the certification “Social media”"
    )
    listed = call(client, "GET", "/training/gates", world.admin).json()
    assert [item["id"] for item in listed] == [created["id"]]
    bad = call(
        client,
        "POST",
        "/training/gates",
        world.admin,
        {"action": "network", "certification_id": world.social.pk},
    )
    assert bad.status_code == 422
    foreign = call(
        client,
        "POST",
        "/training/gates",
        world.admin,
        {"action": "share", "certification_id": world.foreign_certification.pk},
    )
    assert foreign.status_code == 404
    assert (
        call(client, "DELETE", f"/training/gates/{world.foreign_gate.pk}", world.admin).status_code
        == 404
    )
    for member in (world.trainer, world.maya):
        assert call(client, "GET", "/training/gates", member).status_code == 403
        assert call(client, "DELETE", f"/training/gates/{created['id']}", member).status_code == 403
    assert (
        call(client, "DELETE", f"/training/gates/{created['id']}", world.admin).status_code == 204
    )
    assert not Gate.objects.filter(organization=world.org).exists()


def test_members_ask_the_api_whether_they_may(client: Client, world: SimpleNamespace) -> None:
    gate(world, GateAction.CARE)
    answer = call(client, "GET", "/training/gate-check?action=care", world.maya).json()
    assert answer["allowed"] is False
    assert (
        answer["gates"][0]["reason"]
        == "Answering customers needs the certification “Social media”."
    )
    assert answer["gates"][0]["fix_url"] == f"/learning/{world.basics.pk}/"
    assert call(client, "GET", "/training/gate-check?action=share", world.maya).json()["allowed"]
    foreign_post: Any = PostFactory(organization=world.foreign_admin.organization)
    assert (
        call(
            client, "GET", f"/training/gate-check?post_id={foreign_post.pk}", world.maya
        ).status_code
        == 404
    )


def test_the_post_form_names_what_sensitive_posts_need(
    client: Client, world: SimpleNamespace
) -> None:
    assert "an admin sets" in sensitive_post_help(organization=world.org)
    gate(world, GateAction.SENSITIVE)
    assert sensitive_post_help(organization=world.org) == (
        "Members need: the certification “Social media”."
    )
    client.force_login(world.admin.user)
    page = client.get("/manage/posts/new/").content.decode()
    assert "Only certified members may share this post" in page
    assert "Members need: the certification “Social media”." in page


# Enforced where members act -------------------------------------------------------------


@pytest.fixture
def sharing(world: SimpleNamespace) -> SimpleNamespace:
    NetworkSettings.objects.update_or_create(
        organization=world.org, network="mastodon", defaults={"publishing_enabled": True}
    )
    NetworkConnectionFactory(membership=world.maya, network="mastodon")
    post = live(world, link_url="https://acme.example/report")
    Caption.objects.create(post=post, network="x", text="Our report")
    world.post = post
    return world


def test_services_refuse_every_share_path(sharing: SimpleNamespace) -> None:
    gate(sharing, GateAction.SHARE)
    with pytest.raises(GateRefused) as refused:
        share_intent_open(post=sharing.post, membership=sharing.maya, network="x", text="Hi")
    assert refused.value.verdict.reasons == ["Sharing needs the certification “Social media”."]
    with pytest.raises(GateRefused):
        share_publish_now(membership=sharing.maya, post=sharing.post, network="mastodon", text="Hi")
    assert not Share.objects.exists()
    certify(sharing.maya, sharing.social)
    share_intent_open(post=sharing.post, membership=sharing.maya, network="x", text="Hi")
    assert Share.objects.count() == 1


def test_a_scheduled_share_is_cancelled_once_the_certificate_expired(
    sharing: SimpleNamespace,
) -> None:
    gate(sharing, GateAction.NETWORK, network="mastodon")
    now = timezone.now()
    certify(sharing.maya, sharing.social, expires_at=now + timedelta(hours=1))
    share = share_schedule(
        membership=sharing.maya,
        post=sharing.post,
        network="mastodon",
        when=now + timedelta(hours=2),
        text="Hi",
    )
    with time_machine.travel(now + timedelta(hours=2, minutes=1)):
        assert share_publish_run(share_id=share.pk) == "certification"
    share.refresh_from_db()
    assert share.status == ShareStatus.CANCELLED
    told = Notification.objects.get(membership=sharing.maya, kind="share_gated")
    assert told.url == f"/learning/{sharing.basics.pk}/"


def test_the_api_refuses_with_403_the_reason_and_the_fix(
    client: Client, sharing: SimpleNamespace
) -> None:
    gate(sharing, GateAction.NETWORK, network="mastodon")
    response = call(
        client,
        "POST",
        "/shares",
        sharing.maya,
        {"post_id": sharing.post.pk, "network": "mastodon", "text": "My words"},
    )
    assert response.status_code == 403
    body = response.json()
    assert body["detail"] == "Sharing to Mastodon needs the certification “Social media”."
    assert body["gates"] == [
        {
            "reason": "Sharing to Mastodon needs the certification “Social media”.",
            "fix_url": f"/learning/{sharing.basics.pk}/",
            "fix_label": "Take “Social basics”",
        }
    ]
    assert not Share.objects.exists()


def test_pages_show_why_and_the_course_instead_of_a_failing_button(
    client: Client, sharing: SimpleNamespace
) -> None:
    gated = live(sharing, requires_certification=True, title="Earnings call")
    gate(sharing, GateAction.SENSITIVE)
    gate(sharing, GateAction.NETWORK, network="x")
    client.force_login(sharing.maya.user)
    link = f'href="/learning/{sharing.basics.pk}/"'
    reason = (
        "Sharing posts marked “only certified members may share” needs the certification "
        "“Social media”"
    )
    feed = client.get("/feed/").content.decode()
    assert reason in feed and link in feed
    assert f'href="/feed/{gated.pk}/share/"' not in feed
    assert f'href="/feed/{sharing.post.pk}/share/"' in feed
    page = client.get(f"/feed/{gated.pk}/").content.decode()
    assert reason in page and link in page and f'/feed/{gated.pk}/share/"' not in page
    dialog = client.get(f"/feed/{gated.pk}/share/").content.decode()
    assert reason in dialog and link in dialog and "share/network/" not in dialog
    # The free post's dialog: X says why, the other networks open as before.
    dialog = client.get(f"/feed/{sharing.post.pk}/share/").content.decode()
    assert "Sharing to X needs the certification “Social media”." in dialog
    assert "share/network/?network=linkedin" in dialog
    assert 'share/network/?network=x"' not in dialog
    part = client.get(f"/feed/{sharing.post.pk}/share/network/", {"network": "x"})
    assert "Sharing to X needs" in part.content.decode() and link in part.content.decode()


def test_nothing_typed_is_lost_when_a_gate_refuses(
    client: Client, sharing: SimpleNamespace
) -> None:
    gate(sharing, GateAction.SHARE)
    client.force_login(sharing.maya.user)
    typed = "My own careful words about the report"
    for path, data in (
        ("open", {"network": "x", "text": typed}),
        ("publish", {"network": "mastodon", "text": typed, "publish": "now"}),
    ):
        response = client.post(f"/feed/{sharing.post.pk}/share/{path}/", data)
        assert response.status_code == 403
        body = response.content.decode()
        assert "Sharing needs the certification “Social media”." in body
        assert f'href="/learning/{sharing.basics.pk}/"' in body
        assert typed in body
    assert not Share.objects.exists()


def test_auto_share_refuses_and_skips_a_member_no_longer_certified_telling_them_once(
    sharing: SimpleNamespace,
) -> None:
    gate(sharing, GateAction.AUTO_SHARE)
    with pytest.raises(GateRefused, match="Auto-share needs the certification “Social media”"):
        autoshare_enable(
            membership=sharing.maya,
            actor=sharing.maya.user,
            networks=["mastodon"],
            time_of_day=time(8),
            tz="UTC",
        )
    assert not AutoShare.objects.exists()
    now = timezone.now().replace(hour=8, minute=5, second=0, microsecond=0)
    certificate = certify(sharing.maya, sharing.social, issued_at=now - timedelta(days=10))
    with time_machine.travel(now - timedelta(days=2), tick=False):
        auto = autoshare_enable(
            membership=sharing.maya,
            actor=sharing.maya.user,
            networks=["mastodon"],
            time_of_day=time(8),
            tz="UTC",
        )
    type(sharing.post).objects.filter(pk=sharing.post.pk).update(post_of_the_day=now.date())
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=now - timedelta(days=1))
    with time_machine.travel(now, tick=False):
        assert autoshare_run_one(auto=auto, now=now) == 0
        assert autoshare_run_one(auto=auto, now=now + timedelta(minutes=5)) == 0
    assert not Share.objects.exists()
    told = Notification.objects.filter(membership=sharing.maya, kind="autoshare_gated")
    assert told.count() == 1
    assert "Auto-share is paused" in told.get().message
    assert told.get().url == f"/learning/{sharing.basics.pk}/"
    auto.refresh_from_db()
    assert auto.is_active  # it resumes by itself once certified again
    certify(sharing.maya, sharing.social, issued_at=now - timedelta(hours=1))
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        assert autoshare_run_one(auto=auto, now=now + timedelta(minutes=10)) == 1


def test_auto_share_tells_why_it_paused_in_the_members_language(
    sharing: SimpleNamespace,
) -> None:
    sharing.maya.user.language = "de"
    sharing.maya.user.save(update_fields=["language"])
    now = timezone.now().replace(hour=8, minute=5, second=0, microsecond=0)
    with time_machine.travel(now - timedelta(days=2), tick=False):
        auto = autoshare_enable(
            membership=sharing.maya,
            actor=sharing.maya.user,
            networks=["mastodon"],
            time_of_day=time(8),
            tz="UTC",
        )
    gate(sharing, GateAction.AUTO_SHARE)
    type(sharing.post).objects.filter(pk=sharing.post.pk).update(post_of_the_day=now.date())
    with time_machine.travel(now, tick=False):
        assert autoshare_run_one(auto=auto, now=now) == 0
    told = Notification.objects.get(membership=sharing.maya, kind="autoshare_gated")
    assert "Automatisches Teilen erfordert die Zertifizierung „Social media“" in told.message


def test_joining_the_program_can_need_a_certification(
    client: Client, world: SimpleNamespace
) -> None:
    gate(world, GateAction.JOIN)
    newcomer: Any = MembershipFactory(organization=world.org)
    terms = world.org.program_terms_version
    with pytest.raises(GateRefused, match="Joining the advocacy program needs"):
        member_join_program(membership=newcomer, actor=newcomer.user, terms_version=terms)
    newcomer.refresh_from_db()
    assert newcomer.program_status != ProgramStatus.JOINED
    client.force_login(newcomer.user)
    page = client.get("/program/").content.decode()
    assert "Joining the advocacy program needs the certification “Social media”." in page
    assert f'href="/learning/{world.basics.pk}/"' in page
    response = client.post("/program/", {"terms_version": terms, "agree": "on"})
    assert response.status_code == 403
    certify(newcomer, world.social)
    member_join_program(membership=newcomer, actor=newcomer.user, terms_version=terms)
    newcomer.refresh_from_db()
    assert newcomer.program_status == ProgramStatus.JOINED


def test_the_auto_share_form_shows_why_instead_of_failing(
    client: Client, sharing: SimpleNamespace
) -> None:
    client.force_login(sharing.maya.user)
    assert 'name="consent"' in client.get("/connections/").content.decode()
    gate(sharing, GateAction.AUTO_SHARE)
    page = client.get("/connections/").content.decode()
    assert "Auto-share needs the certification “Social media”." in page
    assert f'href="/learning/{sharing.basics.pk}/"' in page
    assert 'name="consent"' not in page
    response = client.post(
        "/connections/auto-share/",
        {
            "action": "enable",
            "networks": ["mastodon"],
            "time_of_day": "08:00",
            "timezone": "UTC",
            "consent": "on",
        },
    )
    assert response.status_code == 422
    assert "Auto-share needs the certification “Social media”." in response.content.decode()
    assert not AutoShare.objects.exists()


def test_asking_for_a_network_or_a_sensitive_post_asks_for_a_share(world: SimpleNamespace) -> None:
    gate(world, GateAction.NETWORK, network="x")
    assert allowed(world, GateAction.NETWORK, network="linkedin")
    assert not allowed(world, GateAction.NETWORK, network="x")
    assert allowed(world, GateAction.SENSITIVE, post=live(world))
    gates = gates_for_member(membership=world.maya)
    assert gates.verdict(action=GateAction.NETWORK, network="linkedin").allowed
    assert not gates.verdict(action=GateAction.NETWORK, network="x").allowed


def test_an_expired_certificate_links_to_the_course_to_retake(world: SimpleNamespace) -> None:
    gate(world, GateAction.NETWORK, network="x")
    for course in (world.basics, world.advanced):
        CourseCompletion.objects.create(
            organization=world.org,
            membership=world.maya,
            course=course,
            major_version=1,
            minor_version=0,
        )
    certify(world.maya, world.social, expires_at=timezone.now() - timedelta(days=1))
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x")
    assert not verdict.allowed
    assert verdict.blocks[0].fix_url == f"/learning/{world.basics.pk}/"
    # The course marked refresher is the one to retake.
    world.social.refresher_courses.set([world.advanced])
    verdict = gate_check(membership=world.maya, action=GateAction.SHARE, network="x")
    assert verdict.blocks[0].fix_url == f"/learning/{world.advanced.pk}/"
    assert "Take" in verdict.blocks[0].fix_label
    feed = gates_for_member(membership=world.maya).verdict(action=GateAction.SHARE, network="x")
    assert feed.blocks[0].fix_url == f"/learning/{world.advanced.pk}/"
