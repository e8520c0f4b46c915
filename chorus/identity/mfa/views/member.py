"""The page a member is sent to when their organization requires two-step sign-in."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from chorus.accounts.access import MemberRequest, member_required
from chorus.identity.mfa.middleware import requirement_for


@member_required
def mfa_required(request: MemberRequest) -> HttpResponse:
    return render(request, "identity_mfa/required.html", {"requirement": requirement_for(request)})
