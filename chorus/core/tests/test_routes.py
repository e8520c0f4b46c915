"""Walks every route of Chorus (pages and API) to prove tenant isolation and role checks.

A new route is covered the day it is added: it must declare its access (see
chorus/accounts/access.py and chorus/api/auth.py), and its id parameters must be ones this
test knows how to build for another organization (add them to `tenant_objects`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from chorus.accounts.models import Invitation
from chorus.accounts.services import tokens as services
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.api.urls import api
from chorus.care.models import CareAgent, CrisisFlag, SavedView
from chorus.community.models import Message, Space, SpaceInvitation, SpaceMember, Thread
from chorus.content.models import PostImage
from chorus.content.services.posts import post_snapshot_version
from chorus.factories import (
    CareReplyFactory,
    CareSourceFactory,
    ComplianceRuleFactory,
    ConversationFactory,
    GroupFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    NotificationFactory,
    OrganizationFactory,
    PostFactory,
    ReplyTemplateFactory,
    ShareFactory,
    SourceFactory,
    SourceItemFactory,
    SuggestionFactory,
    TopicFactory,
)
from chorus.gamification.models import Badge, Challenge, PointRule, Reward, Rule, Source
from chorus.gamification.services.points import points_award
from chorus.gamification.services.rewards import reward_request
from chorus.identity.models import BreakGlassAdmin, IdentityProvider, SsoDomain
from chorus.identity.scim.services.tokens import scim_token_create
from chorus.links.services.links import clicks_store, link_mint
from chorus.links.sinks import ClickRecord
from chorus.links.visitors import visitor_key
from chorus.notifications.slack.models import SlackChannelRoute, SlackWorkspace
from chorus.notifications.teams.models import TeamsWebhook
from chorus.notifications.webpush.models import PushSubscription
from chorus.pilot.models import PilotInvitation
from chorus.privacy.models import DataExport, ErasureRequest
from chorus.surveys.models import Question as SurveyQuestion
from chorus.surveys.services.surveys import round_open as survey_round_open
from chorus.surveys.services.surveys import survey_create
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    Gate,
    Lesson,
    LessonImage,
    Policy,
    PolicyVersion,
    Question,
    QuizAttempt,
    Scenario,
    ScenarioResponse,
    TrainingSession,
)
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint

ID_PARAMETERS = {
    "course_id",
    "lesson_id",
    "lesson_image_id",
    "question_id",
    "attempt_id",
    "scenario_id",
    "response_id",
    "session_id",
    "certification_id",
    "certificate_id",
    "certificate_code",
    "gate_id",
    "member_id",
    "group_id",
    "invitation_id",
    "import_id",
    "token_id",
    "post_id",
    "image_id",
    "version_id",
    "topic_id",
    "rule_id",
    "source_id",
    "item_id",
    "suggestion_id",
    "notification_id",
    "link_id",
    "connection_id",
    "share_id",
    "visitor_key",
    "reward_id",
    "reward_request_id",
    "challenge_id",
    "badge_id",
    "policy_version_id",
    "conversation_id",
    "template_id",
    "reply_id",
    "care_source_id",
    "crisis_flag_id",
    "saved_view_id",
    "agent_id",
    "slack_route_id",
    "subscription_id",
    "teams_webhook_id",
    "space_id",
    "thread_id",
    "message_id",
    "space_invitation_id",
    "survey_id",
    "survey_question_id",
    "round_id",
    "pilot_invitation_id",
    "scim_token_id",
    "provider_id",
    "sso_domain_id",
    "break_glass_id",
    "webhook_endpoint_id",
    "webhook_delivery_id",
    "export_id",
    "erasure_id",
}


def page_routes() -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every Chorus page; the API, allauth and Django admin excluded."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.callback.__module__.startswith("chorus."):
                yield prefix + str(pattern.pattern), pattern

    return walk(get_resolver().url_patterns, "")


def page_url(route: str, values: dict[str, Any]) -> str:
    url = "/" + route
    for name in ID_PARAMETERS | {"secret", "inbound_key", "channel", "token"} | SCIM_PARAMETERS:
        for converter in ("int", "str", "slug", "uuid"):
            url = url.replace(f"<{converter}:{name}>", str(values[name]))
        url = url.replace(f"<{name}>", str(values[name]))
    assert "<" not in url, f"{route}: unknown URL parameter, teach tenant_objects() about it"
    return url


def api_operations() -> Iterator[tuple[str, str, Any]]:
    """(method, path template, view function) for every API operation.

    From the routers as the API mounts them (nested ones included): ninja's `_routers`
    lists the nested routers only once the API has been bound, so walking it could skip
    them silently, depending on what ran first.
    """
    for bound in api._get_bound_routers():
        prefix = bound.prefix
        for path, path_view in bound.template.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = "/api/v1" + (prefix.rstrip("/") + "/" + path.lstrip("/")).replace(
                        "//", "/"
                    )
                    yield method, full, operation.view_func


def example_for(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The smallest value that validates against a JSON schema of the OpenAPI document."""
    if "$ref" in schema:
        return example_for(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return example_for(schema["anyOf"][0], components)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: example_for(schema["properties"][name], components)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "email":
        return "someone@example.test"
    if schema.get("format") == "uri":
        return "https://example.test/"
    if schema.get("format") == "date":
        return "2030-01-01"
    if schema.get("format") == "time":
        return "10:00:00"
    if "enum" in schema:
        return schema["enum"][0]
    return "x"


def api_body(method: str, path: str) -> str | None:
    document = api.get_openapi_schema()
    operation = document["paths"][path][method.lower()]
    if "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return json.dumps(example_for(schema, document["components"]["schemas"]))


# The SCIM endpoints' parameters: their callers have a bearer token, not a session.
SCIM_PARAMETERS = {"scim_id", "schema_id", "type_id"}


def tenant_objects(organization):
    """One object of every kind a route can name by id, all in `organization`."""
    member = MembershipFactory(organization=organization)
    token, _ = services.api_token_create(membership=member, name="walker")
    invitation = Invitation.objects.create(
        organization=organization,
        email=f"invitee-{organization.pk}@example.test",
        token_hash=hash_secret(new_secret()),
        expires_at=timezone.now() + timedelta(days=3),
    )
    post = PostFactory(organization=organization, link_url="https://example.com/a")
    source = SourceFactory(organization=organization)
    version = post_snapshot_version(post=post, actor=None)
    image = PostImage.objects.create(post=post, image="posts/none.png", width=1, height=1)
    # Links are made only for approved posts: the link's post is a live one.
    live = PostFactory(organization=organization, link_url="https://example.com/b", state="live")
    link = link_mint(post=live, membership=member, network="linkedin")
    # Through the drainer, which keeps the link's counters (a reclassification takes it back).
    key = visitor_key(f"192.0.2.{organization.pk % 250}", "walker", timezone.now().date())
    clicks_store(
        [
            ClickRecord(
                event_id=f"walker-{organization.pk}",
                moment=time.time(),
                link_id=link.pk,
                organization_id=organization.pk,
                visitor=key,
            )
        ]
    )
    # A reward and a member's pending request for it (the price paid from awarded points).
    reward = Reward.objects.create(organization=organization, name="Mug", price=1, stock=5)
    PointRule.objects.get_or_create(
        organization=organization, rule=Rule.COURSE, defaults={"points": 1, "daily_cap": 0}
    )
    points_award(membership=member, rule=Rule.COURSE, source=Source.COURSE, source_id=1)
    pending = reward_request(membership=member, reward=reward)
    # A challenge that has not started (so it may still be changed or deleted).
    tomorrow = timezone.localdate() + timedelta(days=1)
    challenge = Challenge.objects.create(
        organization=organization,
        title="Walk",
        metric="shares",
        target=1,
        starts_on=tomorrow,
        ends_on=tomorrow,
    )
    values = {
        "challenge_id": challenge.pk,
        "badge_id": Badge.objects.create(
            organization=organization, name="First share", criterion="first_share"
        ).pk,
        "reward_id": reward.pk,
        "reward_request_id": pending.pk,
        "post_id": post.pk,
        "image_id": image.pk,
        "version_id": version.pk,
        "topic_id": TopicFactory(organization=organization).pk,
        "rule_id": ComplianceRuleFactory(organization=organization).pk,
        "source_id": source.pk,
        "item_id": SourceItemFactory(source=source).pk,
        "suggestion_id": SuggestionFactory(membership=member).pk,
        "notification_id": NotificationFactory(membership=member).pk,
        "link_id": link.pk,
        "connection_id": NetworkConnectionFactory(membership=member).pk,
        "share_id": ShareFactory(membership=member, post=post).pk,
        "visitor_key": key,
        "member": member,
        "member_id": member.pk,
        "group_id": GroupFactory(organization=organization).pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "secret": "no-such-invitation",
        "inbound_key": "no-such-webhook",
        "channel": "email",
        "token": "no-such-unsubscribe-link",
    }
    course = Course.objects.create(
        organization=organization, title="Walk", state="published", major_version=1
    )
    lesson = Lesson.objects.create(course=course, title="One")
    values["course_id"] = course.pk
    values["lesson_id"] = lesson.pk
    values["lesson_image_id"] = LessonImage.objects.create(
        lesson=lesson, image="training/none.png", width=1, height=1
    ).pk
    values["question_id"] = Question.objects.create(course=course, text="Q?").pk
    values["attempt_id"] = QuizAttempt.objects.create(
        organization=organization, membership=member, course=course, major_version=1
    ).pk
    scenario = Scenario.objects.create(
        organization=organization, title="S", situation="S", state="published"
    )
    values["scenario_id"] = scenario.pk
    values["response_id"] = ScenarioResponse.objects.create(
        organization=organization, scenario=scenario, membership=member, state="submitted"
    ).pk
    # A session tomorrow (answers still open), meant for everyone.
    values["session_id"] = TrainingSession.objects.create(
        organization=organization,
        title="Walk",
        starts_at=timezone.now() + timedelta(days=1),
        uid=f"walker-{organization.pk}@chorus",
    ).pk
    values["gate_id"] = Gate.objects.create(
        organization=organization, action="care", requires_policy=True
    ).pk
    certification = Certification.objects.create(organization=organization, name="Walk")
    certification.courses.add(course)
    certificate = Certificate.objects.create(
        organization=organization,
        certification=certification,
        membership=member,
        code=f"walker-{organization.pk}-certificate",
    )
    values["certification_id"] = certification.pk
    values["certificate_id"] = certificate.pk
    values["certificate_code"] = certificate.code
    policy, _created = Policy.objects.get_or_create(
        organization=organization, defaults={"title": "Policy", "draft": "Be kind."}
    )
    values["policy_version_id"] = PolicyVersion.objects.create(
        organization=organization,
        policy=policy,
        number=policy.versions.count() + 1,
        title="Policy",
        body="Be kind.",
    ).pk
    values["crisis_flag_id"] = CrisisFlag.objects.create(
        organization=organization, raised_by=member, description="Walk"
    ).pk
    # Care: a member's saved view, an agent (the member answers customers).
    values["saved_view_id"] = SavedView.objects.create(
        organization=organization, membership=member, name="Walk"
    ).pk
    values["agent_id"] = CareAgent.objects.create(
        organization=organization, membership=member, opted_in=True
    ).pk
    values["care_source_id"] = CareSourceFactory(organization=organization).pk
    # A member's device whose push address fails at once, without DNS (a documentation network).
    values["subscription_id"] = PushSubscription.objects.create(
        organization=organization,
        membership=member,
        endpoint="https://192.0.2.1/walker",
        endpoint_digest=f"walker-{organization.pk}",
        service="192.0.2.1",
        p256dh="walker",
        auth="walker",
        label="Walk",
    ).pk
    # A Teams channel whose address fails at once, without DNS (a documentation network).
    values["teams_webhook_id"] = TeamsWebhook.objects.create(
        organization=organization, name="Walk", url="https://192.0.2.1/walker"
    ).pk
    # Care: a conversation, an approved reply, and a reply waiting for approval.
    conversation = ConversationFactory(organization=organization)
    values["conversation_id"] = conversation.pk
    values["template_id"] = ReplyTemplateFactory(organization=organization).pk
    values["reply_id"] = CareReplyFactory(conversation=conversation, membership=member).pk
    # Slack: a channel of the organization's workspace, disconnected so that no page the
    # walker calls ever reaches Slack.
    slack_workspace, _created = SlackWorkspace.objects.get_or_create(
        organization=organization,
        defaults={"team_id": f"TWALK{organization.pk}", "revoked_at": timezone.now()},
    )
    values["slack_route_id"] = SlackChannelRoute.objects.get_or_create(
        organization=organization, workspace=slack_workspace, channel_id=f"CWALK{organization.pk}"
    )[0].pk
    # Community: an invite-only space the member is in, a thread with a reply, and an
    # invitation to a second space waiting for the member's answer.
    space = Space.objects.create(organization=organization, name="Walk", visibility="invite_only")
    SpaceMember.objects.create(organization=organization, space=space, membership=member)
    values["space_id"] = space.pk
    thread = Thread.objects.create(
        organization=organization, space=space, author=member, title="Walk"
    )
    values["thread_id"] = thread.pk
    Message.objects.create(
        organization=organization, thread=thread, author=member, opening=True, body="Walk"
    )
    values["message_id"] = Message.objects.create(
        organization=organization, thread=thread, author=member, body="Reply"
    ).pk
    other_space = Space.objects.create(organization=organization, name="Walk 2")
    values["space_invitation_id"] = SpaceInvitation.objects.create(
        organization=organization, space=other_space, membership=member
    ).pk
    # Surveys: a pressure survey sent once (a round open), one of its questions.
    survey = survey_create(organization=organization, actor=member, template="pressure")
    values["survey_id"] = survey.pk
    values["survey_question_id"] = SurveyQuestion.objects.filter(survey=survey).first().pk
    values["round_id"] = survey_round_open(survey=survey, actor=member).pk
    # The pilot: an invitation waiting for the walker's member.
    values["pilot_invitation_id"] = PilotInvitation.objects.create(
        organization=organization, membership=member
    ).pk
    # SCIM: an admin's token page (by id); the /scim/v2/ endpoints take a bearer token,
    # not a session, and their ids are proved in chorus/identity/scim/tests.
    values["scim_token_id"] = scim_token_create(
        organization=organization, actor=member.user, name="walker"
    )[0].pk
    values |= {"scim_id": "0", "schema_id": "walker", "type_id": "walker"}
    # Single sign-on: a disabled OpenID Connect provider (never contacted), a domain waiting
    # for verification, and an admin allowed to sign in with a password.
    values["provider_id"] = IdentityProvider.objects.create(
        organization=organization,
        kind="oidc",
        name="Walk",
        issuer="https://192.0.2.1/walker",
        client_id="walker",
    ).pk
    values["sso_domain_id"] = SsoDomain.objects.create(
        organization=organization, domain=f"walker-{organization.pk}.example"
    ).pk
    values["break_glass_id"] = BreakGlassAdmin.objects.create(
        organization=organization,
        membership=MembershipFactory(organization=organization, is_admin=True),
    ).pk
    # Webhooks: an endpoint and one delivery in its log.
    webhook_endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url="https://hooks.example.test/chorus",
        event_types=["post.published"],
        secret="whsec_" + "A" * 44,
    )
    values["webhook_endpoint_id"] = webhook_endpoint.pk
    values["webhook_delivery_id"] = WebhookDelivery.objects.create(
        organization=organization,
        endpoint=webhook_endpoint,
        message_id=f"msg_walker{organization.pk}",
        event_type="post.published",
        payload={},
        status="failed",
    ).pk
    # Personal data: a member's ready export and their pending erasure request.
    values["export_id"] = DataExport.objects.create(
        organization=organization, membership=member, status="ready", file_name="walker.zip"
    ).pk
    values["erasure_id"] = ErasureRequest.objects.create(
        organization=organization, membership=member, due_at=timezone.now() + timedelta(days=7)
    ).pk
    if apps.is_installed("chorus.accounts") and "memberimport" in apps.all_models["accounts"]:
        member_import = apps.get_model("accounts", "MemberImport").objects.create(
            organization=organization, rows=[]
        )
        values["import_id"] = member_import.pk
    else:
        values["import_id"] = 0
    return values


@pytest.fixture
def foreign(db):
    return tenant_objects(OrganizationFactory(name="Globex", slug="globex"))


def with_id_parameters(route: str) -> bool:
    return any(name in route for name in ID_PARAMETERS)


def test_every_page_declares_who_may_use_it():
    undeclared = [
        route for route, pattern in page_routes() if not hasattr(pattern.callback, "chorus_access")
    ]
    assert undeclared == []


def test_foreign_ids_are_404_on_every_page(client, admin_member, foreign):
    client.force_login(admin_member.user)
    checked = 0
    for route, _pattern in page_routes():
        if not with_id_parameters(route):
            continue
        url = page_url(route, foreign)
        statuses = {client.get(url).status_code, client.post(url).status_code}
        assert statuses <= {404, 405} and 404 in statuses, f"{url}: {statuses}"
        checked += 1
    assert checked > 0


def test_pages_check_roles(client, organization, foreign):
    employee = MembershipFactory(organization=organization)
    own = tenant_objects(organization)
    client.force_login(employee.user)
    checked = 0
    for route, pattern in page_routes():
        roles = getattr(pattern.callback, "chorus_roles", ())
        if not roles:
            continue
        url = page_url(route, own)
        statuses = {client.get(url).status_code, client.post(url).status_code}
        assert statuses <= {403, 405} and 403 in statuses, f"{url} needs {roles}: {statuses}"
        checked += 1
    assert checked > 0


def test_signed_out_visitors_are_sent_to_sign_in(client, foreign):
    for route, pattern in page_routes():
        if pattern.callback.chorus_access not in ("member", "signed_in"):
            continue
        url = page_url(route, foreign)
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_every_api_operation_declares_its_roles():
    undeclared = [
        f"{method} {path}"
        for method, path, view in api_operations()
        if not hasattr(view, "chorus_roles")
    ]
    assert undeclared == []


# Path parameters of the API that name no tenant object (a channel's name): filled in, but
# not expected to make a call a 404 alone.
API_PATH_PARAMETERS = ID_PARAMETERS | {"channel"}


def api_url(path: str, values: dict[str, Any]) -> str:
    return path.format(**{name: values[name] for name in API_PATH_PARAMETERS if "{" + name in path})


def api_call(client: Any, method: str, path: str, values: dict[str, Any], secret: str) -> Any:
    url = api_url(path, values)
    body = api_body(method, path)
    return client.generic(
        method,
        url,
        data=body or "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def documented_operations() -> set[tuple[str, str]]:
    """(METHOD, path) of every operation in the OpenAPI document: what the walkers must cover."""
    document = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def test_the_walker_sees_every_documented_api_operation():
    walked = {(method, path) for method, path, _view in api_operations()}
    documented = documented_operations()
    assert walked == documented
    # The walk is not vacuous: the API has dozens of operations, many naming an id.
    assert len(walked) > 90
    assert len({(method, path) for method, path in walked if "{" in path}) > 40


def test_foreign_ids_are_404_on_every_api_operation(client, admin_member, foreign):
    _, secret = services.api_token_create(membership=admin_member, name="walker")
    checked = set()
    for method, path, _view in api_operations():
        if not with_id_parameters(path):
            continue
        response = api_call(client, method, path, foreign, secret)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        checked.add((method, path))
    # Every documented operation that names an id was called with another organization's.
    assert checked == {
        (method, path) for method, path in documented_operations() if with_id_parameters(path)
    }


def test_api_checks_roles(client, organization):
    employee = MembershipFactory(organization=organization)
    _, secret = services.api_token_create(membership=employee, name="walker")
    own = tenant_objects(organization)
    checked = 0
    for method, path, view in api_operations():
        if not view.chorus_roles:
            continue
        response = api_call(client, method, path, own, secret)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        checked += 1
    assert checked > 30


def test_api_refuses_calls_without_credentials(client, foreign):
    checked = set()
    for method, path, _view in api_operations():
        checked.add((method, path))
        url = api_url(path, foreign)
        response = client.generic(
            method, url, data=api_body(method, path) or "", content_type="application/json"
        )
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
    assert checked == documented_operations()


JUNK = {
    "page": ["abc", "-1", "999999999999999999999"],
    "q": "<script>alert(1)</script>" * 20,
    "email": "not-an-email",
    "name": "N" * 5000,
    "title": "\x00nul",
    "role": "superuser",
    "roles": ["superuser", "admin'--"],
    "group": "x",
    "group_id": "-1",
    "groups": ["x", "999999"],
    "members": ["x", "-5"],
    "kind": "zzz",
    "status": "zzz",
    "program_status": "zzz",
    "active": "maybe",
    "action": "x" * 300,
    "actor": "%",
    "target": "_",
    "date_from": "2026-13-45",
    "date_to": "yesterday",
    "organization": "1 OR 1=1",
    "terms_version": "x",
    "terms": "",
    "description": "d" * 10000,
    "agree": "perhaps",
    "password1": "x",
    "password2": "y",
}


def test_no_page_crashes_on_hostile_input(client, admin_member, foreign):
    """Every page, as an admin, with junk in the query string and the form: never a 500."""
    own = tenant_objects(admin_member.organization)
    client.force_login(admin_member.user)
    client.raise_request_exception = False
    failures = []
    for values in (own, foreign):
        for route, _pattern in page_routes():
            url = page_url(route, values)
            for response in (client.get(url, JUNK), client.post(url, JUNK)):
                if response.status_code >= 500:
                    failures.append(f"{response.request['REQUEST_METHOD']} {url}")
    assert failures == []


def test_no_api_operation_crashes_on_hostile_input(client, admin_member, foreign):
    _, secret = services.api_token_create(membership=admin_member, name="walker")
    own = tenant_objects(admin_member.organization)
    client.raise_request_exception = False
    failures = []
    bodies = ["{", "[]", json.dumps(JUNK), json.dumps(dict.fromkeys(JUNK)), "\x00"]
    for values in (own, foreign):
        for method, path, _view in api_operations():
            url = api_url(path, values)
            for body in bodies:
                response = client.generic(
                    method,
                    url + "?" + "&".join(f"{k}=%00x" for k in ("q", "role", "kind", "page")),
                    data=body,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {secret}"},
                )
                if response.status_code >= 500:
                    failures.append(f"{method} {url} {body[:20]}: {response.status_code}")
    assert failures == []


# Routes that name a group in the query string, not the path (the walker above only sees
# path parameters): another organization's group is a 404 there too.
QUERY_GROUP_ROUTES = ["/leaderboard/?group={group_id}", "/api/v1/leaderboard?group={group_id}"]


def test_foreign_groups_in_the_query_string_are_404(client, admin_member, foreign):
    client.force_login(admin_member.user)
    for route in QUERY_GROUP_ROUTES:
        response = client.get(route.format(group_id=foreign["group_id"]))
        assert response.status_code == 404, route
