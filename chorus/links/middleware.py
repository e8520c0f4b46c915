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
COOKIE_SET_KEY = "links_member_cookie"


class MemberLinkMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = self.get_response(request)
        user = request.user
        if was_signed_in and not user.is_authenticated:
            # Signed out (a shared computer): this browser's clicks are nobody's own any more.
            response.delete_cookie(MEMBER_COOKIE, path="/l/")
            return response
        # Only browser sessions: an API call with a token is not someone browsing.
        if not (user.is_authenticated and "_auth_user_id" in request.session):
            return response
        # The cookie lives on /l/ only, so this request cannot see it: the session remembers
        # that it was set (a new sign-in, as anyone, sets it afresh).
        if request.session.get(COOKIE_SET_KEY) != user.pk:
            response.set_cookie(
                MEMBER_COOKIE,
                member_cookie_value(user.pk),
                max_age=MEMBER_COOKIE_MAX_AGE,
                path="/l/",
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            request.session[COOKIE_SET_KEY] = user.pk
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
