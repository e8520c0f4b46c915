from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from chorus.accounts.access import MemberRequest, role_required


@role_required("admin")
def placeholder_0(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


urls = [
    path("manage/rules/", placeholder_0, name="rules"),
]
