"""The SCIM 2.0 endpoints (RFC 7644) an identity provider calls, under /scim/v2/.

Plain views answering application/scim+json. Each authenticates the bearer token (a SCIM
token of one organization), runs in that organization, answers every failure in SCIM's
error format and writes one line of the admins' request log.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pydantic
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    NotFoundException,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SCIMException,
    UnauthorizedException,
)
from scim2_models import Schema as ScimSchema

from chorus.core.logs import bind_identity
from chorus.core.tenancy import in_organization
from chorus.identity.scim import protocol
from chorus.identity.scim.models import ScimToken
from chorus.identity.scim.protocol import POLICY, ScimGroupResource, ScimUserResource
from chorus.identity.scim.selectors import resources as selectors
from chorus.identity.scim.services import provisioning
from chorus.identity.scim.services.tokens import scim_request_log, scim_token_authenticate

Endpoint = Callable[..., HttpResponse]
MAX_BODY_BYTES = 5 * 1024 * 1024


class MethodNotAllowed(SCIMException):
    status = 405
    _default_detail = "This method is not supported here."


def scim_json(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, default=str), status=status, content_type=protocol.CONTENT_TYPE
    )


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return scim_json(error.model_dump(), status=status)


def _from_exception(exc: SCIMException) -> HttpResponse:
    error = exc.to_error()
    return scim_json(error.model_dump(), status=int(error.status or 400))


def scim_endpoint(*methods: str) -> Callable[[Endpoint], Endpoint]:
    """A SCIM endpoint answering `methods`: bearer token, the token's organization, SCIM
    errors, the request log. The view is called as view(request, token, **kwargs)."""

    def decorator(view: Endpoint) -> Endpoint:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            token = scim_token_authenticate(secret.strip()) if scheme.lower() == "bearer" else None
            if token is None:
                response = _from_exception(
                    UnauthorizedException(detail="A valid SCIM bearer token is required.")
                )
                response["WWW-Authenticate"] = 'Bearer realm="scim"'
                return response
            # The organization on the request's log lines (RequestIdentityMiddleware, which
            # binds it for pages, is skipped on the SCIM path: chorus/identity/scim/middleware.py).
            bind_identity(user_id=None, organization_id=token.organization_id)
            with in_organization(token.organization), POLICY:
                response = _answer(view, methods, request, token, *args, **kwargs)
                scim_request_log(
                    token=token,
                    method=request.method or "",
                    path=request.get_full_path(),
                    status=response.status_code,
                )
            return response

        wrapper.chorus_access = "scim_token"  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _answer(
    view: Endpoint,
    methods: tuple[str, ...],
    request: HttpRequest,
    token: ScimToken,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    try:
        if request.method not in methods:
            raise MethodNotAllowed()
        return view(request, token, *args, **kwargs)
    except SCIMException as exc:
        return _from_exception(exc)
    except pydantic.ValidationError as exc:
        errors = Error.from_validation_errors(exc)
        first = errors[0] if errors else Error(status=400, scim_type="invalidValue")
        return scim_json(first.model_dump(), status=int(first.status or 400))


def _body(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidValueException(detail="The request is too large.")
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The body is not JSON.") from None


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2/")


def _paging(request: HttpRequest) -> tuple[int, int]:
    try:
        start = int(request.GET.get("startIndex", "1"))
        count = int(request.GET.get("count", str(protocol.DEFAULT_PAGE)))
    except ValueError:
        raise InvalidValueException(detail="startIndex and count are whole numbers.") from None
    return max(start, 1), min(max(count, 0), protocol.MAX_PAGE)


def _dump(resource: Any, request: HttpRequest, context: Context, model: Any) -> dict[str, Any]:
    """The resource as JSON, with the `attributes` and `excludedAttributes` asked for."""
    asked = {
        name: request.GET[name]
        for name in ("attributes", "excludedAttributes")
        if request.GET.get(name, "").strip()
    }
    parameters = ResponseParameters[model].model_validate(asked) if asked else None
    return resource.model_dump(  # type: ignore[no-any-return]
        scim_ctx=context, response_parameters=parameters
    )


# Discovery -------------------------------------------------------------------------------


@scim_endpoint("GET")
def service_provider_config(request: HttpRequest, token: ScimToken) -> HttpResponse:
    return scim_json(protocol.service_provider_config(base_url(request)).model_dump())


@scim_endpoint("GET")
def schemas(request: HttpRequest, token: ScimToken) -> HttpResponse:
    items = protocol.schemas()
    listing = ListResponse[ScimSchema](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return scim_json(listing.model_dump())


@scim_endpoint("GET")
def schema(request: HttpRequest, token: ScimToken, schema_id: str) -> HttpResponse:
    for item in protocol.schemas():
        if item.id == schema_id:
            return scim_json(item.model_dump())
    raise NotFoundException(detail="No such schema.")


@scim_endpoint("GET")
def resource_types(request: HttpRequest, token: ScimToken) -> HttpResponse:
    items = protocol.resource_types(base_url(request))
    listing = ListResponse[ResourceType](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return scim_json(listing.model_dump())


@scim_endpoint("GET")
def resource_type(request: HttpRequest, token: ScimToken, type_id: str) -> HttpResponse:
    for item in protocol.resource_types(base_url(request)):
        if item.id == type_id:
            return scim_json(item.model_dump())
    raise NotFoundException(detail="No such resource type.")


# Users -----------------------------------------------------------------------------------


def _user_response(request: HttpRequest, membership: Any, status: int = 200) -> HttpResponse:
    resource = selectors.user_resource(membership, base_url=base_url(request))
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    response = scim_json(_dump(resource, request, context, type(resource)), status=status)
    if status == 201 and resource.meta is not None:
        response["Location"] = str(resource.meta.location)
    return response


@scim_endpoint("GET", "POST")
def users(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "POST":
        resource = ScimUserResource.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        membership = provisioning.scim_user_create(token=token, resource=resource)
        return _user_response(request, membership, status=201)
    members = selectors.scim_users(
        organization=token.organization, filter_text=request.GET.get("filter", "")
    )
    start, count = _paging(request)
    total = members.count()
    page = list(members[start - 1 : start - 1 + count]) if count else []
    url = base_url(request)
    listing = ListResponse[ScimUserResource](
        total_results=total,
        start_index=start,
        items_per_page=len(page),
        resources=[selectors.user_resource(member, base_url=url) for member in page] or None,
    )
    return scim_json(_dump(listing, request, Context.RESOURCE_QUERY_RESPONSE, ScimUserResource))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    membership = selectors.scim_user(organization=token.organization, resource_id=scim_id)
    if membership is None:
        raise NotFoundException(detail="No such user.")
    if request.method == "DELETE":
        provisioning.scim_user_deactivate(token=token, membership=membership)
        return HttpResponse(status=204)
    if request.method == "PUT":
        resource = ScimUserResource.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        provisioning.scim_user_update(token=token, membership=membership, resource=resource)
    elif request.method == "PATCH":
        patch = PatchOp[ScimUserResource].model_validate(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        resource = selectors.user_resource(membership, base_url=base_url(request))
        if patch.patch(resource):
            provisioning.scim_user_update(token=token, membership=membership, resource=resource)
    membership = selectors.scim_user(organization=token.organization, resource_id=scim_id)
    return _user_response(request, membership)


# Groups ----------------------------------------------------------------------------------


def _group_response(request: HttpRequest, group: Any, status: int = 200) -> HttpResponse:
    (resource,) = selectors.group_resources([group], base_url=base_url(request))
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    response = scim_json(_dump(resource, request, context, type(resource)), status=status)
    if status == 201 and resource.meta is not None:
        response["Location"] = str(resource.meta.location)
    return response


@scim_endpoint("GET", "POST")
def groups(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "POST":
        resource = ScimGroupResource.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        group = provisioning.scim_group_create(token=token, resource=resource)
        return _group_response(request, group, status=201)
    found = selectors.scim_groups(
        organization=token.organization, filter_text=request.GET.get("filter", "")
    )
    start, count = _paging(request)
    total = found.count()
    page = list(found[start - 1 : start - 1 + count]) if count else []
    excluded = request.GET.get("excludedAttributes", "")
    with_members = "members" not in excluded.split(",")
    listing = ListResponse[ScimGroupResource](
        total_results=total,
        start_index=start,
        items_per_page=len(page),
        resources=selectors.group_resources(
            page, base_url=base_url(request), with_members=with_members
        )
        or None,
    )
    return scim_json(_dump(listing, request, Context.RESOURCE_QUERY_RESPONSE, ScimGroupResource))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    found = selectors.scim_group(organization=token.organization, resource_id=scim_id)
    if found is None:
        raise NotFoundException(detail="No such group.")
    if request.method == "DELETE":
        provisioning.scim_group_delete(token=token, group=found)
        return HttpResponse(status=204)
    if request.method == "PUT":
        resource = ScimGroupResource.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        provisioning.scim_group_update(token=token, group=found, resource=resource)
    elif request.method == "PATCH":
        patch = PatchOp[ScimGroupResource].model_validate(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        (resource,) = selectors.group_resources([found], base_url=base_url(request))
        if patch.patch(resource):
            provisioning.scim_group_update(token=token, group=found, resource=resource)
    found = selectors.scim_group(organization=token.organization, resource_id=scim_id)
    return _group_response(request, found)
