"""Email as a member channel: one SMTP session per batch, an outcome per message.

What the SMTP server answers decides the outcome:

- accepted (250): sent, with the Message-ID as the remote id;
- the recipient refused for good (a 5xx to RCPT TO, or a 5xx after DATA that names the
  mailbox: enhanced status 5.1.x, 5.2.1): failed with ``stop``, a hard bounce, so the
  engine stops email for that member and tells the admins;
- any other 5xx (the content, our sender address, a relay that refuses to relay or wants
  us signed in, even when it says so to RCPT TO): failed, the address stays;
- a 4xx, a timeout, a dropped connection: retry. The session is opened again for the rest
  of the batch; when the server cannot be reached (or drops us again and again) every
  message left gets retry at once, rather than each waiting for its own timeout.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email

from chorus.accounts.models import Membership
from chorus.notifications.channels import Outcome, Outgoing
from chorus.notifications.email.render import email_build
from chorus.notifications.messages import Channel

if TYPE_CHECKING:
    from django.core.mail import EmailMultiAlternatives

    from chorus.accounts.models import Organization

logger = logging.getLogger(__name__)

# How many times a batch may lose its connection before the rest waits for a retry.
MAX_CONNECTION_LOSSES = 2
# Above this many members, `reachable` reads the organization's reachable members once
# and keeps those asked about (an IN list that long is slow, and too long for SQLite).
REACHABLE_IN_LIST_LIMIT = 2000
# An enhanced status code (RFC 3463) that says the mailbox itself is the problem.
_DEAD_MAILBOX = re.compile(rb"^\s*5\.(1\.\d+|2\.1)\b")
# Refusals that are about us, not the address, even in answer to RCPT TO: the mail system
# (5.3), the protocol (5.5), security and policy (5.7: relaying denied, sign-in needed).
# A relay set up wrongly refuses every recipient so: stopping them all would be a disaster.
_NOT_THE_ADDRESS = re.compile(rb"^\s*5\.[357]\.\d+\b")
_SIGN_IN_NEEDED = {530, 535}


class ConnectionLost(Exception):
    """The session is gone: reconnect before the next message."""


def _text(response: bytes | str) -> str:
    if isinstance(response, bytes):
        return response.decode("utf-8", "replace")
    return response


def _refusal(code: int, response: bytes | str, *, recipient: bool) -> Outcome:
    """The outcome of one SMTP refusal; ``recipient`` when it answered RCPT TO."""
    reason = f"{code} {_text(response)}".strip()
    if 400 <= code < 500:
        return Outcome.retry(reason)
    raw = response if isinstance(response, bytes) else response.encode()
    if recipient:
        dead = code not in _SIGN_IN_NEEDED and not _NOT_THE_ADDRESS.match(raw)
    else:
        dead = bool(_DEAD_MAILBOX.match(raw))
    return Outcome.failed(reason, stop=dead)


def _deliver(connection: Any, email: EmailMultiAlternatives) -> Outcome:
    """Send one email on an open session. Raises ConnectionLost (with the outcome of this
    message as its argument) when the session cannot carry the next one."""
    try:
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as error:
        code, response = next(iter(error.recipients.values()), (550, b"refused"))
        outcome = _refusal(code, response, recipient=True)
        if code == 421:
            raise ConnectionLost(outcome) from error
        return outcome
    except smtplib.SMTPResponseException as error:
        # SMTPSenderRefused, SMTPDataError, ...: a reply code from the server.
        outcome = _refusal(error.smtp_code, error.smtp_error, recipient=False)
        if error.smtp_code == 421:
            raise ConnectionLost(outcome) from error
        return outcome
    except ValueError as error:
        # An address Django cannot write into the envelope; the session is untouched.
        return Outcome.failed(f"Not an email address: {error}", stop=True)
    except (smtplib.SMTPException, OSError) as error:
        # Disconnected, timed out, reset: this message may or may not have gone.
        raise ConnectionLost(Outcome.retry(str(error) or type(error).__name__)) from error
    return Outcome.sent(remote_id=email.extra_headers["Message-ID"])


def _is_email_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _close(connection: Any) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        logger.info("The SMTP session did not close cleanly", exc_info=True)


class EmailChannel:
    """Messages to a member's email address, over the site's SMTP server (EMAIL_URL)."""

    name: ClassVar[str] = Channel.EMAIL

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        """Members whose account is active and has an email address. A deactivated
        membership stays reachable: what concerns a member's own data still reaches them,
        and the engine decides what else does."""
        if not membership_ids:
            return set()
        members = Membership.objects.filter(
            organization=organization, user__is_active=True
        ).exclude(user__email="")
        if len(membership_ids) <= REACHABLE_IN_LIST_LIMIT:
            members = members.filter(pk__in=membership_ids)
            return set(members.values_list("pk", flat=True))
        wanted = set(membership_ids)
        return {pk for pk in members.values_list("pk", flat=True).iterator() if pk in wanted}

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        """Send the batch over one SMTP session; one outcome per message, in order."""
        if not batch:
            return []
        addresses = self._addresses(organization=organization, batch=batch)
        outcomes: dict[int, Outcome] = {}
        emails: dict[int, EmailMultiAlternatives] = {}
        for index, outgoing in enumerate(batch):
            address = addresses.get(outgoing.membership.pk, "")
            if not address:
                outcomes[index] = Outcome.failed("The member has no email address.")
                continue
            if not _is_email_address(address):
                # It can never be delivered: a dead address, as a bounce would say.
                outcomes[index] = Outcome.failed("Not an email address.", stop=True)
                continue
            try:
                emails[index] = email_build(
                    delivery_id=outgoing.delivery_id, message=outgoing.message, recipient=address
                )
            except Exception as error:  # one message that cannot be written must not stop the rest
                logger.exception("Could not write the email of delivery %s", outgoing.delivery_id)
                outcomes[index] = Outcome.failed(f"Could not write the email: {error}")
        outcomes.update(zip(emails, self._send_all(list(emails.values())), strict=True))
        return [outcomes[index] for index in range(len(batch))]

    def _addresses(
        self, *, organization: Organization, batch: Sequence[Outgoing]
    ) -> dict[int, str]:
        """Each member's address ('' when their account is closed). The engine reads the
        members with their users; any it did not are read in one query."""
        addresses: dict[int, str] = {}
        missing: set[int] = set()
        for outgoing in batch:
            membership = outgoing.membership
            if Membership.user.is_cached(membership):
                user = membership.user
                addresses[membership.pk] = user.email if user.is_active else ""
            else:
                missing.add(membership.pk)
        if missing:
            rows = Membership.objects.filter(
                organization=organization, pk__in=missing, user__is_active=True
            ).values_list("pk", "user__email")
            addresses.update(rows)
        return addresses

    def _send_all(self, emails: Sequence[EmailMultiAlternatives]) -> list[Outcome]:
        """Send on one session, opened again after it is lost, at most a few times."""
        connection = get_connection(fail_silently=False)
        outcomes: list[Outcome] = []
        losses = 0
        unreachable = ""
        is_open = False
        try:
            for email in emails:
                if unreachable:
                    outcomes.append(Outcome.retry(unreachable))
                    continue
                if not is_open:
                    try:
                        connection.open()
                    except (smtplib.SMTPException, OSError) as error:
                        # Nobody answers: the rest would only wait for the same timeout.
                        unreachable = f"The mail server cannot be reached: {error}"
                        outcomes.append(Outcome.retry(unreachable))
                        continue
                    is_open = True
                try:
                    outcomes.append(_deliver(connection, email))
                except ConnectionLost as lost:
                    outcomes.append(lost.args[0])
                    _close(connection)
                    is_open = False
                    losses += 1
                    if losses > MAX_CONNECTION_LOSSES:
                        unreachable = "The mail server keeps dropping the connection."
        finally:
            if is_open:
                _close(connection)
        return outcomes
