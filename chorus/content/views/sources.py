from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from chorus.accounts.access import MemberRequest, role_required


@role_required("curator")
def placeholder_0(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


@role_required("curator")
def placeholder_1(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


urls = [
    path("manage/sources/", placeholder_0, name="sources"),
    path("manage/queue/", placeholder_1, name="curation_queue"),
]
