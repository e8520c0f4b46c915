from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from chorus.accounts.access import MemberRequest, admin_required


@admin_required
def placeholder(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


urls = [path("manage/organization/", placeholder, name="organization_settings")]
