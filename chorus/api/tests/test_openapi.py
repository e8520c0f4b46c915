"""The OpenAPI document describes what the operations really take and return."""

from __future__ import annotations

import json
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from chorus.accounts.services import tokens as services
from chorus.api.urls import api
from chorus.factories import GroupFactory, MembershipFactory


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models a type annotation names (list[X], X | None, dict[str, X], ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def with_nested(model: type[BaseModel], found: set[type[BaseModel]]) -> None:
    if model in found:
        return
    found.add(model)
    for field in model.model_fields.values():
        for nested in models_in(field.annotation):
            with_nested(nested, found)


def operation_schemas() -> set[type[BaseModel]]:
    """Every schema class an operation takes or returns, nested ones included.

    ninja wraps each operation's parameters and each response in models of its own;
    what they hold is the operation's schemas.
    """
    api.get_openapi_schema()  # mounts the nested routers, so that _routers lists them all
    found: set[type[BaseModel]] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:
                    if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                        for field in wrapper.model_fields.values():
                            for model in models_in(field.annotation):
                                with_nested(model, found)
    return found


def test_no_two_different_schemas_share_a_name_in_the_openapi_document(db):
    """ninja files schemas under their class names and keeps one of a name: two classes
    of the same name document the operations of one with the fields of the other."""
    by_name: dict[str, set[type[BaseModel]]] = defaultdict(set)
    for model in operation_schemas():
        by_name[model.__name__].add(model)
    assert len(by_name) > 50  # the walk reached the operations
    clashes = {}
    for name, models in by_name.items():
        # ninja writes a paged list's model once per operation: the same schema is harmless.
        shapes = {json.dumps(model.model_json_schema(), sort_keys=True) for model in models}
        if len(shapes) > 1:
            clashes[name] = sorted(f"{model.__module__}.{model.__qualname__}" for model in models)
    assert clashes == {}


# What /groups and /me document is what they return -----------------------------------


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema a response schema names, through $ref and arrays."""
    while "$ref" in schema or schema.get("type") == "array":
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        else:
            schema = schema["items"]
    return schema


def response_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses = document["paths"]["/api/v1" + path][method.lower()]["responses"]
    status = "201" if "201" in responses else "200"
    return resolved(document, responses[status]["content"]["application/json"]["schema"])


def fields(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_the_groups_and_me_operations_document_the_fields_they_return(client, admin_member):
    secret = services.api_token_create(membership=admin_member, name="script")[1]
    headers = {"Authorization": f"Bearer {secret}"}
    group = GroupFactory(organization=admin_member.organization, name="Sales")
    group.members.set(MembershipFactory.create_batch(2, organization=admin_member.organization))
    document = client.get("/api/v1/openapi.json").json()

    def call(method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        response = client.generic(
            method, "/api/v1" + path, data, content_type="application/json", headers=headers
        )
        assert response.status_code in (200, 201), (method, path, response.content)
        return response.json()

    me = call("GET", "/me")
    documented = response_schema(document, "GET", "/me")
    assert fields(documented) == set(me)
    assert fields(resolved(document, documented["properties"]["organization"])) == set(
        me["organization"]
    )

    listed = call("GET", "/groups")
    page = response_schema(document, "GET", "/groups")
    assert fields(page) == set(listed) == {"items", "count"}
    assert fields(resolved(document, page["properties"]["items"])) == set(listed["items"][0])
    for method, path, body in (
        ("POST", "/groups", {"name": "Legal"}),
        ("GET", f"/groups/{group.pk}", None),
        ("PATCH", f"/groups/{group.pk}", {"description": "The sales team"}),
    ):
        documented_path = path.replace(str(group.pk), "{group_id}")
        returned = call(method, path, body)
        assert fields(response_schema(document, method, documented_path)) == set(returned), path
    assert set(returned) >= {"kind", "member_count", "description"}

    # And the other half of each former pair of names.
    board = call("GET", "/leaderboard")
    me_on_the_board = response_schema(document, "GET", "/leaderboard")["properties"]["me"]
    assert fields(resolved(document, me_on_the_board)) == set(board["me"])
