"""Lets the redirect recognise a member's own clicks on their shared links.

Two signals, both set while the member uses Chorus: a signed cookie with their user id,
sent only to /l/ paths, and the day's visitor keys of their sessions (for clicks that
arrive without the cookie, e.g. on a custom short domain).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from chorus.links.edge import MEMBER_COOKIE, MEMBER_COOKIE_MAX_AGE, member_cookie_value
from chorus.links.models import MemberVisitorKey
from chorus.links.visitors import client_ip, visitor_key

SESSION_KEY = "links_visitor_key"


class MemberLinkMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user
        # Only browser sessions: an API call with a token is not someone browsing.
        if not (user.is_authenticated and "_auth_user_id" in request.session):
            if MEMBER_COOKIE in request.COOKIES:
                response.delete_cookie(MEMBER_COOKIE, path="/l/")
            return response
        if MEMBER_COOKIE not in request.COOKIES:
            response.set_cookie(
                MEMBER_COOKIE,
                member_cookie_value(user.pk),
                max_age=MEMBER_COOKIE_MAX_AGE,
                path="/l/",
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        self._remember_visitor_key(request, user.pk)
        return response

    @staticmethod
    def _remember_visitor_key(request: HttpRequest, user_id: int) -> None:
        today = timezone.now().date()
        key = visitor_key(
            client_ip(request.META), request.META.get("HTTP_USER_AGENT", "")[:512], today
        )
        # At most one write per session, day and network address.
        if request.session.get(SESSION_KEY) == key:
            return
        # IntegrityError: the same key stored by a parallel request.
        with suppress(IntegrityError):
            MemberVisitorKey.objects.get_or_create(user_id=user_id, day=today, visitor_key=key)
        request.session[SESSION_KEY] = key
