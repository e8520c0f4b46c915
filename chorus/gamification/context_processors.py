"""`gamification_on` for every template: whether points, ranks and badges may be shown.

Navigation links to points, leaderboards and rewards are wrapped in
`{% if gamification_on %}`. It is evaluated lazily (one query, only when a template asks)
and is False without a current organization.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from chorus.gamification.services.points import gamification_enabled


def gamification_on(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"gamification_on": False}
    organization_id = membership.organization_id
    return {
        "gamification_on": SimpleLazyObject(
            lambda: gamification_enabled(organization_id=organization_id)
        )
    }
