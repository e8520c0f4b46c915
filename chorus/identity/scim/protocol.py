"""SCIM 2.0 as Chorus speaks it: the resource models (scim2-models), how tolerant we are of
what identity providers send, what the service provider supports, and filters turned into
queries (scim2-filter-parser). No SCIM JSON or filter is parsed by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Q
from scim2_filter_parser import ast as filter_ast  # type: ignore[import-untyped]
from scim2_filter_parser.lexer import SCIMLexer  # type: ignore[import-untyped]
from scim2_filter_parser.parser import SCIMParser  # type: ignore[import-untyped]
from scim2_filter_parser.transpilers.django_q_object import Transpiler  # type: ignore[import-untyped]
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    InvalidFilterException,
    Meta,
    Patch,
    ResourceType,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models import Schema as ScimSchema

from chorus.accounts.models import Membership
from chorus.identity.scim.models import ScimUser

# A SCIM User of Chorus: the core schema with the enterprise extension (employee number,
# department are kept; the rest is accepted and dropped).
ScimUserResource = User[EnterpriseUser]
ScimGroupResource = Group

CONTENT_TYPE = "application/scim+json"
MAX_PAGE = 200
DEFAULT_PAGE = 100

# Okta and Microsoft Entra ID depart from the RFC in known ways: unknown attributes (Entra
# sends its own), a "remove" carrying the members to remove in `value`, and a path filter
# on an entry that does not exist yet (emails[type eq "work"].value on a user without one).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A SCIM token an admin creates in Chorus (Single sign-on, SCIM).",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=base_url),
    )


def schemas() -> list[ScimSchema]:
    return [User.to_schema(), EnterpriseUser.to_schema(), Group.to_schema()]


def resource_types(base_url: str) -> list[ResourceType]:
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "description": "A member of the organization",
        "endpoint": "/Users",
        "schema": str(User.__schema__),
        "schemaExtensions": [{"schema": str(EnterpriseUser.__schema__), "required": False}],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}ResourceTypes/User"},
    }
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "description": "A group of members",
        "endpoint": "/Groups",
        "schema": str(Group.__schema__),
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}ResourceTypes/Group"},
    }
    return [ResourceType.model_validate(user), ResourceType.model_validate(group)]


# Filters ---------------------------------------------------------------------------------

Leaf = Callable[[str, Any], Q]


def _text(field: str) -> Leaf:
    def leaf(lookup: str, value: Any) -> Q:
        return Q(**{f"{field}__{lookup}": value})

    return leaf


def _user_name(lookup: str, value: Any) -> Q:
    """userName: what the identity provider set, else (a member never provisioned) the
    email. Two subqueries on indexes: an OR across the joins made SQLite read every member
    (300 ms per lookup at 50,000 members)."""
    provisioned = ScimUser.objects.filter(_lowered("user_name_key")(lookup, value))
    by_email = Membership.objects.filter(
        Q(scim__isnull=True) & _lowered("user__email")(lookup, value)
    )
    return Q(pk__in=provisioned.values("membership_id")) | Q(pk__in=by_email.values("pk"))


def _lowered(field: str, fallback: str = "") -> Leaf:
    """An attribute stored in lower case: `eq` is an exact match on the index."""

    def leaf(lookup: str, value: Any) -> Q:
        if lookup == "iexact" and isinstance(value, str):
            query = Q(**{field: value.lower()})
        else:
            query = Q(**{f"{field}__{lookup}": value})
        if fallback:
            query |= _lowered(fallback)(lookup, value)
        return query

    return leaf


def _boolean(field: str) -> Leaf:
    def leaf(lookup: str, value: Any) -> Q:
        if lookup == "isnull":
            return Q()
        if not isinstance(value, bool) or lookup not in ("exact", "iexact"):
            raise InvalidFilterException(detail=f"Compare {field} with true or false.")
        return Q(**{field: value})

    return leaf


def _number(field: str) -> Leaf:
    def leaf(lookup: str, value: Any) -> Q:
        if lookup == "isnull":
            return Q()
        try:
            number = int(str(value))
        except ValueError:
            return Q(pk__in=[])
        return Q(**{f"{field}__{lookup.replace('iexact', 'exact')}": number})

    return leaf


# Each filterable attribute (attribute, sub-attribute, schema URN; lower case) names a
# pseudo-field; each pseudo-field builds its query.
USER_ATTRIBUTES: dict[tuple[str, str | None, str | None], str] = {
    ("id", None, None): "id",
    ("username", None, None): "username",
    ("externalid", None, None): "externalid",
    ("emails", None, None): "email",
    ("emails", "value", None): "email",
    ("emails", "type", None): "emailtype",
    ("emails", "primary", None): "emailprimary",
    ("active", None, None): "active",
    ("displayname", None, None): "displayname",
    ("name", "givenname", None): "givenname",
    ("name", "familyname", None): "familyname",
}
# Entra qualifies core attributes with their schema's URN ("urn:...:User:userName").
USER_ATTRIBUTES |= {
    (name, sub, str(User.__schema__).lower()): field
    for (name, sub, _), field in list(USER_ATTRIBUTES.items())
}
USER_LEAVES: dict[str, Leaf] = {
    "id": _number("pk"),
    # A member who was never provisioned has their email as userName.
    "username": lambda lookup, value: _user_name(lookup, value),
    "externalid": _text("scim__external_id"),
    "email": _lowered("user__email"),
    # Each member has one email, of type work and primary.
    "emailtype": lambda lookup, value: Q() if str(value).lower() == "work" else Q(pk__in=[]),
    "emailprimary": lambda lookup, value: Q() if value is True else Q(pk__in=[]),
    "active": _boolean("is_active"),
    "displayname": _text("user__name"),
    "givenname": _text("scim__given_name"),
    "familyname": _text("scim__family_name"),
}
GROUP_ATTRIBUTES: dict[tuple[str, str | None, str | None], str] = {
    ("id", None, None): "id",
    ("displayname", None, None): "displayname",
    ("externalid", None, None): "externalid",
    ("members", None, None): "member",
    ("members", "value", None): "member",
}
GROUP_ATTRIBUTES |= {
    (name, sub, str(Group.__schema__).lower()): field
    for (name, sub, _), field in list(GROUP_ATTRIBUTES.items())
}
GROUP_LEAVES: dict[str, Leaf] = {
    "id": _number("pk"),
    "displayname": _text("name"),
    "externalid": _text("scim__external_id"),
    "member": _number("members__pk"),
}


def _attribute_keys(node: Any, namespace: str | None = None) -> list[tuple[str, str | None]]:
    """(attribute, sub-attribute) of every attribute a filter names, lower case; inside
    `emails[value eq "x"]` the attribute is emails and the sub-attribute value."""
    if isinstance(node, filter_ast.Filter) and isinstance(node.namespace, filter_ast.AttrPath):
        namespace = str(node.namespace.attr_name).lower()
    if isinstance(node, filter_ast.AttrPath):
        if not isinstance(node.attr_name, str):
            return _attribute_keys(node.attr_name, namespace)
        name = node.attr_name.lower()
        sub = node.sub_attr.value.lower() if node.sub_attr else None
        return [(namespace, name) if namespace else (name, sub)]
    found = []
    for key, value in getattr(node, "__dict__", {}).items():
        if isinstance(value, filter_ast.AST) and key != "namespace":
            found.extend(_attribute_keys(value, namespace))
    return found


def _rebuild(query: Q, leaves: dict[str, Leaf]) -> Q:
    rebuilt = Q()
    for child in cast(list[Any], query.children):
        if isinstance(child, Q):
            part = _rebuild(child, leaves)
        else:
            key, value = child
            name, _, lookup = key.partition("__")
            part = leaves[name](lookup, value)
        rebuilt = rebuilt & part if query.connector == Q.AND else rebuilt | part
    return ~rebuilt if query.negated else rebuilt


def filter_query(text: str, *, attributes: dict[Any, str], leaves: dict[str, Leaf]) -> Q:
    """The query for a SCIM filter on the attributes listed; InvalidFilterException for a
    filter that does not parse or names an attribute Chorus cannot filter on."""
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception as exc:  # the parser raises its own assorted errors
        raise InvalidFilterException(detail=f"The filter does not parse: {exc}") from None
    if tree is None:
        raise InvalidFilterException(detail="The filter is empty.")
    known = {(name, sub) for name, sub, _ in attributes}
    for name, sub in _attribute_keys(tree):
        if (name, sub) not in known:
            raise InvalidFilterException(
                detail=f"Cannot filter on {name}{'.' + sub if sub else ''}."
            )
    try:
        query = Transpiler(attributes).transpile(tree)
    except (ValueError, NotImplementedError) as exc:
        raise InvalidFilterException(detail=str(exc)) from None
    if query is None:
        raise InvalidFilterException(detail="Cannot filter on these attributes.")
    return _rebuild(query, leaves)
