from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from chorus.accounts.access import MemberRequest, role_required


@role_required()
def placeholder_0(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


@role_required()
def placeholder_1(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


@role_required("curator")
def placeholder_2(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


urls = [
    path("suggestions/", placeholder_0, name="my_suggestions"),
    path("suggestions/new/", placeholder_1, name="suggestion_create"),
    path("manage/suggestions/", placeholder_2, name="suggestions"),
]
