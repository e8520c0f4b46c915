"""SCIM requests answered early: an identity provider's calls skip the browser's middleware.

Second in MIDDLEWARE, right after RequestContextMiddleware (request id, log line, metrics,
which still wrap every SCIM request). A request for one of the SCIM endpoints
(`urls.endpoint_patterns`, under /scim/v2/) is checked for its host (ALLOWED_HOSTS, as
CommonMiddleware would), passed through Django's SecurityMiddleware (HTTPS redirect, HSTS,
nosniff, referrer policy) and dispatched to its view, which authenticates the bearer token,
runs in the token's organization, answers SCIM errors and writes the request log
(views/endpoints.py). Sessions, CSRF, messages, locale negotiation, CSP, htmx, allauth, the
organization and member-language middleware, MFA enforcement and member links are skipped:
a SCIM call has no session, cookie, page or member behind it. Any other path, including an
unknown one under /scim/v2/, goes down the whole chain as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.urls import URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern

from chorus.identity.scim.urls import endpoint_patterns

Endpoint = Callable[[HttpRequest], HttpResponse]
PREFIX = "/scim/v2/"
# Only the SCIM endpoints: resolving here walks 9 patterns, not the whole site's.
RESOLVER = URLResolver(RegexPattern(r"^/"), endpoint_patterns)


def scim_dispatch(request: HttpRequest) -> HttpResponse:
    """The view the request resolved to (set by ScimEarlyMiddleware), called as Django does."""
    match = request.resolver_match
    assert match is not None
    return match.func(request, *match.args, **match.kwargs)  # type: ignore[no-any-return]


class ScimEarlyMiddleware:
    def __init__(self, get_response: Endpoint) -> None:
        self.get_response = get_response
        self.scim = SecurityMiddleware(scim_dispatch)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = RESOLVER.resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        # Raises DisallowedHost for a host not in ALLOWED_HOSTS: Django answers 400.
        request.get_host()
        request.resolver_match = match
        return self.scim(request)  # type: ignore[return-value]
