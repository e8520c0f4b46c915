"""Every error under /api/v1/ answers JSON, in the shape of the API's own errors.

ninja answers the errors its operations raise (chorus/api/urls.py). The others are
answered by Django or by ninja's routing, as HTML or plain text: an unknown path (404),
a method the path does not take (405), a request Django refuses (400), an unhandled
error (500, logged and reported by Django as usual). This rewrites them as
`{"detail": "<the status's reason>"}`, keeping the status, headers (Allow, ...) and cookies.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

# Where chorus/urls.py mounts the API.
API_PATH = "/api/v1/"
# The JSON body brings its own.
NOT_COPIED = {"content-type", "content-length"}


def json_error(response: HttpResponse) -> HttpResponse:
    answer = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
    for header, value in response.items():
        if header.lower() not in NOT_COPIED:
            answer[header] = value
    answer.cookies = response.cookies
    return answer


class ApiErrorsAsJsonMiddleware:
    """Outermost, so that it also sees what Django answers for the other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(API_PATH)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return json_error(response)
        return response
