from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from chorus.accounts.access import MemberRequest, member_required


@member_required
def placeholder(request: MemberRequest) -> HttpResponse:
    return HttpResponse("Coming soon")


urlpatterns = [path("notifications/", placeholder, name="notifications")]
