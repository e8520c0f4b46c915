"""The care API: where conversations come from. Listening sources (admins; credentials are
write-only), the inbound webhook's address and secret (admins), a conversation typed in
(care staff) and a customer's post sent to care (any member in the program).

The inbound webhook itself is not an API operation: other tools POST to
`/care/webhook/<key>/`, signed per Standard Webhooks (see `GET /care/inbound`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.care.access import is_care_staff
from chorus.care.models import CareSource, CareTag
from chorus.care.selectors.sources import inbound_state, sources_for
from chorus.care.services import inbound as inbound_services
from chorus.care.services import sources as services

router = Router(tags=["care"])

KindName = Literal[
    "mastodon_mentions", "mastodon_search", "bluesky_mentions", "bluesky_search", "x_search"
]
PriorityName = Literal["normal", "low", "high", "urgent"]

INBOUND_DOCUMENTATION = """
Other tools (a help desk, a listening tool) push conversations to
`POST /care/webhook/<key>/` (the address this operation returns), signed as the
[Standard Webhooks](https://www.standardwebhooks.com/) specification says: the headers
`webhook-id`, `webhook-timestamp` (refused when more than five minutes off) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the secret
`POST /care/inbound/secret` returns once). A repeated `webhook-id` is answered once.

The body is a JSON object:

| field | |
|---|---|
| `id` | required: your identifier of the message; the same id twice is stored once |
| `thread_id` | the thread it belongs to: messages of one thread join one conversation |
| `network` | where it was written (`mastodon`, `bluesky`, `x` match posts Chorus reads itself) |
| `url` | a public link to it |
| `text` | required: what the customer wrote |
| `author` | `{"handle", "name", "url"}`: a handle or a name is required |
| `posted_at` | ISO 8601 with a time zone |
| `subject` | the conversation's subject |
| `priority` | `low`, `normal`, `high` or `urgent` |
| `tags` | names of the organization's care tags (unknown names are ignored) |

Answers: 201 `{"conversation_id", "duplicate": false}` (200 with `"duplicate": true` when
it was stored before), 400 `{"detail"}` for a body that does not fit, 401 for a bad or old
signature, 404 for an unknown address.
"""


class CareSourceOut(Schema):
    id: int
    kind: str
    name: str
    instance: str = Field(description="Mastodon instance or Bluesky server")
    handle: str = Field(description="The official account the credentials belong to")
    query: str = Field(description="Searches: the words or hashtags")
    has_secret: bool = Field(description="Credentials are stored (never shown back)")
    default_priority: str
    default_tag_ids: list[int]
    is_active: bool
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    failures: int = Field(description="Failed polls in a row (the next one waits longer)")
    last_error: str


class CareSourceIn(Input):
    kind: KindName
    name: str = Field(max_length=120)
    instance: str = Field("", max_length=300)
    handle: str = Field("", max_length=300)
    query: str = Field("", max_length=500)
    secret: str | None = Field(
        None,
        max_length=2000,
        description=(
            "Mastodon: the official account's access token (read:notifications, "
            "read:search); Bluesky: an app password; X: the app's bearer token. "
            "Write-only; leave out to keep the stored one."
        ),
    )
    default_priority: PriorityName = "normal"
    default_tag_ids: list[Id] = []
    is_active: bool = True


class CarePollOut(Schema):
    found: int = Field(description="New posts read")
    conversations: int = Field(description="Conversations started or continued")
    error: str = Field(description="Why the source could not be read, if it could not")


class CareInboundOut(Schema):
    enabled: bool
    url: str = Field(description="Where other tools POST (empty while off)")


class CareInboundSecretOut(Schema):
    url: str
    secret: str = Field(description="The signing secret (whsec_...), shown this once")


class CareManualIn(Input):
    network: str = Field("web", max_length=20)
    customer_handle: str = Field(max_length=300)
    customer_name: str = Field("", max_length=300)
    text: str = Field(max_length=10_000)
    url: str = Field("", max_length=2000)
    subject: str = Field("", max_length=200)
    priority: PriorityName = "normal"
    tag_ids: list[Id] = []


class CareSendIn(Input):
    url: str = Field(max_length=2000, description="The link to the customer's post")
    text: str = Field(
        "", max_length=10_000, description="What they wrote, when Chorus cannot read the post"
    )
    author_handle: str = Field("", max_length=300, description="Who wrote it, likewise")
    note: str = Field("", max_length=2000, description="A note for the care team")


class CareConversationCreatedOut(Schema):
    id: int
    status: str
    network: str
    customer_handle: str


class CareSendOut(Schema):
    conversation_id: int
    joined: bool = Field(description="The post was in care already; the note joined it")


def _source_out(source: CareSource) -> CareSourceOut:
    return CareSourceOut(
        id=source.pk,
        kind=source.kind,
        name=source.name,
        instance=source.instance,
        handle=source.handle,
        query=source.query,
        has_secret=bool(source.secret),
        default_priority=source.default_priority,
        default_tag_ids=[tag.pk for tag in source.default_tags.all()],
        is_active=source.is_active,
        last_polled_at=source.last_polled_at,
        next_poll_at=source.next_poll_at,
        failures=source.failures,
        last_error=source.last_error,
    )


def _tags(organization_id: int, ids: list[int]) -> list[CareTag]:
    """The organization's tags by id; 404 when one is another organization's or none."""
    found = list(CareTag.objects.filter(organization_id=organization_id, pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise Http404
    return found


def _fields(request: HttpRequest, payload: CareSourceIn) -> services.SourceFields:
    caller = calling_member(request)
    return services.SourceFields(
        kind=payload.kind,
        name=payload.name,
        instance=payload.instance,
        handle=payload.handle,
        query=payload.query,
        secret=payload.secret or None,
        default_priority=payload.default_priority,
        default_tags=_tags(caller.organization_id, payload.default_tag_ids),
        is_active=payload.is_active,
    )


def _source(request: HttpRequest, care_source_id: int) -> CareSource:
    caller = calling_member(request)
    return get_object_or_404(CareSource, pk=care_source_id, organization=caller.organization)


@router.get(
    "/care/sources",
    response={200: list[CareSourceOut]},
    summary="Listening sources",
    description="Admins: every source with its state (last and next poll, failures, error).",
)
@api_roles("admin")
def care_source_list(request: HttpRequest) -> list[CareSourceOut]:
    caller = calling_member(request)
    return [_source_out(source) for source in sources_for(organization=caller.organization)]


@router.post(
    "/care/sources",
    response={201: CareSourceOut, 404: Error, 422: Error},
    summary="Add a listening source",
    description=(
        "Admins. Mentions need the official account's server (Mastodon) or handle "
        "(Bluesky) and its credentials; searches also a query. 422 names what is missing "
        "or refused (a private server address); 404 for another organization's tag."
    ),
)
@api_roles("admin")
def care_source_create(request: HttpRequest, payload: CareSourceIn) -> Status[CareSourceOut]:
    caller = calling_member(request)
    source = services.source_create(membership=caller, fields=_fields(request, payload))
    return Status(201, _source_out(source))


@router.get(
    "/care/sources/{care_source_id}",
    response={200: CareSourceOut, 404: Error},
    summary="A listening source",
)
@api_roles("admin")
def care_source_detail(request: HttpRequest, care_source_id: PathId) -> CareSourceOut:
    return _source_out(_source(request, care_source_id))


@router.put(
    "/care/sources/{care_source_id}",
    response={200: CareSourceOut, 404: Error, 422: Error},
    summary="Change a listening source",
    description=(
        "Admins. Leave `secret` out to keep the stored credentials. New credentials, or "
        "turning a stopped source on, clear its failures and read it at the next run."
    ),
)
@api_roles("admin")
def care_source_update(
    request: HttpRequest, care_source_id: PathId, payload: CareSourceIn
) -> CareSourceOut:
    source = _source(request, care_source_id)
    caller = calling_member(request)
    services.source_update(membership=caller, source=source, fields=_fields(request, payload))
    return _source_out(source)


@router.delete(
    "/care/sources/{care_source_id}",
    response={204: None, 404: Error},
    summary="Remove a listening source",
    description="Admins. Its conversations stay.",
)
@api_roles("admin")
def care_source_delete(request: HttpRequest, care_source_id: PathId) -> Status[None]:
    source = _source(request, care_source_id)
    services.source_delete(membership=calling_member(request), source=source)
    return Status(204, None)


@router.post(
    "/care/sources/{care_source_id}/check",
    response={200: CarePollOut, 404: Error},
    summary="Read a listening source now",
    description="Admins: poll once and say what happened (the error in words, if any).",
)
@api_roles("admin")
def care_source_check(request: HttpRequest, care_source_id: PathId) -> CarePollOut:
    outcome = services.source_poll(source=_source(request, care_source_id))
    return CarePollOut(
        found=outcome.found, conversations=outcome.conversations, error=outcome.error
    )


def _webhook_url(request: HttpRequest, key: str) -> str:
    return request.build_absolute_uri(reverse("care_webhook", args=[key])) if key else ""


@router.get(
    "/care/inbound",
    response={200: CareInboundOut},
    summary="The inbound webhook",
    description="Admins: whether it is on, and its address." + INBOUND_DOCUMENTATION,
)
@api_roles("admin")
def care_inbound(request: HttpRequest) -> CareInboundOut:
    state = inbound_state(organization=calling_member(request).organization)
    return CareInboundOut(enabled=state.enabled, url=_webhook_url(request, state.key))


@router.post(
    "/care/inbound/secret",
    response={201: CareInboundSecretOut},
    summary="A new address and secret for the inbound webhook",
    description=(
        "Admins. Replaces the address and signing secret at once (tools using the old "
        "ones get 404); the secret is shown in this answer only."
    ),
)
@api_roles("admin")
def care_inbound_secret(request: HttpRequest) -> Status[CareInboundSecretOut]:
    key, secret = services.inbound_secret_create(membership=calling_member(request))
    return Status(201, CareInboundSecretOut(url=_webhook_url(request, key), secret=secret))


# Note: the inbox's operations on `/care/conversations` (GET) must be declared with this
# one in one router, or Django routes the path to whichever router comes first.
@router.post(
    "/care/conversations",
    response={201: CareConversationCreatedOut, 404: Error, 422: Error},
    summary="Type a conversation in",
    description=(
        "Care staff (approvers, curators, admins): a customer who reached you where Chorus "
        "does not listen. With a `url`, the same post cannot be entered twice (422)."
    ),
)
@api_roles("approver", "curator", "admin")
def care_conversation_create(
    request: HttpRequest, payload: CareManualIn
) -> Status[CareConversationCreatedOut]:
    caller = calling_member(request)
    conversation = inbound_services.conversation_enter(
        membership=caller,
        network=payload.network,
        customer_handle=payload.customer_handle,
        customer_name=payload.customer_name,
        text=payload.text,
        url=payload.url,
        priority=payload.priority,
        tags=_tags(caller.organization_id, payload.tag_ids),
        subject=payload.subject,
    )
    return Status(
        201,
        CareConversationCreatedOut(
            id=conversation.pk,
            status=conversation.status,
            network=conversation.network,
            customer_handle=conversation.customer_handle,
        ),
    )


@router.post(
    "/care/send",
    response={201: CareSendOut, 200: CareSendOut, 403: Error, 422: Error},
    summary="Send a customer's post to care",
    description=(
        "Any member in the advocacy program. Chorus reads the post at `url` where the "
        "network allows (Mastodon, Bluesky); elsewhere give `text` and `author_handle` "
        "(422 says so). The same post sent again joins its conversation (200, `joined`)."
    ),
)
@api_roles()
def care_send(request: HttpRequest, payload: CareSendIn) -> Status[CareSendOut]:
    caller = calling_member(request)
    if not (caller.is_advocate or is_care_staff(caller)):
        raise PermissionDenied("Join the advocacy program to send posts to care.")
    read = None
    network = ""
    if not (payload.text.strip() or payload.author_handle.strip()):
        try:
            network, read = inbound_services.post_read(
                organization=caller.organization, url=payload.url
            )
        except ValueError as error:
            raise ValidationError(
                _("%(reason)s Give text and author_handle instead.") % {"reason": error}
            ) from None
    result = inbound_services.conversation_send(
        membership=caller,
        url=payload.url,
        text=payload.text,
        author_handle=payload.author_handle,
        note=payload.note,
        item=read,
        network=network,
    )
    return Status(
        200 if result.joined else 201,
        CareSendOut(conversation_id=result.conversation.pk, joined=result.joined),
    )
