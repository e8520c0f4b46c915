"""Posting a card to a Teams Workflows webhook, and what its answer means.

Always through the SSRF-safe transport of `chorus.core.http`: the address was typed by an
admin, so it must never reach a private network, whatever its DNS says on the day.

| answer | outcome |
|---|---|
| 2xx (a workflow answers 202 Accepted) | sent |
| 429 (with Retry-After), 408, 5xx, a network error or a timeout | retry |
| 401, 403, 404, 410: the workflow was deleted or turned off | failed, stop the webhook |
| an address Chorus never posts to (private network, not https) | failed, stop the webhook |
| 400 and any other answer | failed (this message) |
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from chorus.core.http import RefusedAddress, SafeTransport, check_url, retry_after_seconds
from chorus.notifications.channels import Outcome
from chorus.notifications.teams.render import payload_bytes

TIMEOUT = 10.0
# Statuses that mean the webhook itself is gone: nothing posted there will ever arrive.
GONE = {401, 403, 404, 410}
TEMPORARY = {408, 425, 429}
MAX_RETRY_AFTER = 6 * 3600
MAX_DETAIL_BYTES = 4096
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def webhook_post(url: str, payload: dict[str, Any]) -> Outcome:
    """POST `payload` as JSON to the webhook at `url`; never raises for a failed post."""
    try:
        parsed = check_url(url)
        if parsed.scheme != "https" and not _test_receiver(parsed.host):
            raise RefusedAddress("only https")
        with (
            httpx.Client(
                transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
                timeout=httpx.Timeout(TIMEOUT),
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream(
                "POST",
                url,
                content=payload_bytes(payload),
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": settings.HTTP_USER_AGENT,
                },
            ) as response,
        ):
            detail = _detail(response)
            return outcome_for(response.status_code, response.headers, detail)
    except RefusedAddress:
        return Outcome.failed(
            _("Chorus does not post to this address (only https addresses on the internet)."),
            stop=True,
        )
    except httpx.ConnectError as error:
        if "BLOCKED:" in str(error):
            return Outcome.failed(
                _("The webhook's address points to a private or local network."), stop=True
            )
        return Outcome.retry(_("Teams could not be reached."))
    except httpx.TimeoutException:
        return Outcome.retry(_("Teams did not answer in time."))
    except httpx.HTTPError:
        return Outcome.retry(_("The connection to Teams failed."))


def _test_receiver(host: str) -> bool:
    """A receiver on this machine's loopback, where tests allow it: the only place plain
    http is posted to."""
    if not settings.HTTP_ALLOW_LOOPBACK:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outcome_for(status: int, headers: httpx.Headers, detail: str = "") -> Outcome:
    """The outcome of an answer with `status` (see the table above)."""
    said = f" {detail}" if detail else ""
    if 200 <= status < 300:
        return Outcome.sent(remote_id=str(headers.get("x-ms-workflow-run-id", ""))[:200])
    if status in TEMPORARY or status >= 500:
        return Outcome.retry(
            _("Teams answered %(status)s, a temporary failure.") % {"status": status} + said,
            retry_after=retry_after(headers.get("retry-after", "")),
        )
    if status in GONE:
        return Outcome.failed(
            _(
                "Teams answered %(status)s: the workflow was deleted or turned off, or its "
                "address changed. Create it again and give Chorus its new address."
            )
            % {"status": status}
            + said,
            stop=True,
        )
    if status == 400:
        return Outcome.failed(_("Teams refused the card (400).") + said)
    if 300 <= status < 400:
        return Outcome.failed(
            _("Teams answered %(status)s, a redirection: check the webhook's address.")
            % {"status": status}
        )
    return Outcome.failed(_("Teams answered %(status)s.") % {"status": status} + said)


def retry_after(value: str) -> int | None:
    return retry_after_seconds(value, longest=MAX_RETRY_AFTER)


def _detail(response: httpx.Response) -> str:
    """What the workflow said about an error, in one short line ("" for a success)."""
    if 200 <= response.status_code < 300:
        return ""
    body = b""
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= MAX_DETAIL_BYTES:
                break
    except httpx.HTTPError:
        return ""
    text = body[:MAX_DETAIL_BYTES].decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        # Power Automate's errors: {"error": {"code": "...", "message": "..."}}.
        error = parsed["error"]
        text = ": ".join(str(error[key]) for key in ("code", "message") if error.get(key))
    return _UNPRINTABLE.sub(" ", text).strip()[:200]
