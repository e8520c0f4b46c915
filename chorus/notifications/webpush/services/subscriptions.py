"""Members' devices: subscribing a browser, removing it, and a test sent to one device.

What a browser sends is untrusted: the endpoint must be an https address of a known push
service (WEBPUSH_SERVICES) with a public host, checked by the one URL validator first; the
keys must be a real P-256 point and a 16-byte secret. A browser belongs to whoever is
signed in on it now: subscribing it for one person removes it from anyone else, so a
shared computer does not keep showing the previous person's notifications.
"""

from __future__ import annotations

import hashlib
import ipaddress
from functools import lru_cache

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from ua_parser import parse

from chorus.accounts.models import Membership, User
from chorus.core.audit import audit_record
from chorus.core.http import address_allowed
from chorus.core.tenancy import across_organizations
from chorus.core.validators import validate_web_url
from chorus.notifications.channels import Outcome
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.services.stops import channel_stop_clear
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.services.sending import push_to
from chorus.notifications.webpush.transport import b64url_decode

# More than a person's phones and browsers: a cap keeps one member from making Chorus
# post to hundreds of addresses for each message.
MAX_DEVICES = 10
TEST_INTERVAL_SECONDS = 15
LOOPBACK_NAMES = {"localhost"}


def endpoint_digest(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def push_endpoint_clean(endpoint: str) -> str:
    """The endpoint, if Chorus may send to it; ValidationError saying why not otherwise."""
    endpoint = (endpoint or "").strip()
    validate_web_url(endpoint)
    try:
        url = httpx.URL(endpoint)
        # The host is decoded (IDNA) when it is read, and a broken label fails there.
        host = url.host.lower().rstrip(".")
    except (httpx.InvalidURL, ValueError):
        raise ValidationError(_("This is not a valid web address."), code="invalid") from None
    # Tests run a push service on loopback (and only when they allow loopback explicitly).
    if settings.HTTP_ALLOW_LOOPBACK and _is_loopback(host):
        return endpoint
    if url.scheme != "https":
        raise ValidationError(_("A push address starts with https://."), code="scheme")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(str(literal), allow_loopback=False):
        raise ValidationError(
            _("This push address points to a private or local network."), code="private"
        )
    if host in LOOPBACK_NAMES or host.endswith(".localhost") or "." not in host:
        raise ValidationError(
            _("This push address points to a private or local network."), code="private"
        )
    services = [service.lower() for service in settings.WEBPUSH_SERVICES]
    if "*" not in services and not any(
        host == service or host.endswith("." + service) for service in services
    ):
        raise ValidationError(
            _("%(host)s is not a push service this deployment sends to."),
            code="service",
            params={"host": host},
        )
    return endpoint


def push_keys_clean(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's public key (a P-256 point) and auth secret (16 bytes), base64url."""
    try:
        point = b64url_decode(p256dh or "")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("not an uncompressed point")
        secret = b64url_decode(auth or "")
    except ValueError:
        raise ValidationError(
            _("The browser's keys for this subscription are not valid."), code="keys"
        ) from None
    if len(secret) != 16:
        raise ValidationError(
            _("The browser's keys for this subscription are not valid."), code="keys"
        )
    return p256dh.strip(), auth.strip()


@lru_cache(maxsize=1000)
def device_label(user_agent: str) -> str:
    """ "Chrome Mobile on Android", from the browser's User-Agent, in the active language."""
    result = parse(user_agent[:500]) if user_agent else None
    browser = result.user_agent.family if result and result.user_agent else ""
    system = result.os.family if result and result.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else system
    if browser and system:
        return pgettext("device", "%(browser)s on %(system)s") % {
            "browser": browser,
            "system": system,
        }
    return browser or system or pgettext("device", "A browser")


def subscription_add(
    *,
    membership: Membership,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
) -> tuple[PushSubscription, bool]:
    """Subscribe a browser for the member (or refresh its keys): (subscription, created).

    ValidationError with the reason when the endpoint or the keys are refused, or when the
    member already has MAX_DEVICES devices.
    """
    endpoint = push_endpoint_clean(endpoint)
    p256dh, auth = push_keys_clean(p256dh, auth)
    digest = endpoint_digest(endpoint)
    label = device_label(user_agent)[:120]
    service = httpx.URL(endpoint).host[:253]
    with transaction.atomic():
        with across_organizations("a browser's push address belongs to the person on it now"):
            PushSubscription.objects.filter(endpoint_digest=digest).exclude(
                membership__user_id=membership.user_id
            ).delete()
        existing = PushSubscription.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            endpoint_digest=digest,
        ).first()
        if existing is not None:
            existing.p256dh, existing.auth, existing.label = p256dh, auth, label
            existing.failures = 0
            existing.save(update_fields=["p256dh", "auth", "label", "failures"])
            return existing, False
        count = PushSubscription.objects.filter(
            organization_id=membership.organization_id, membership=membership
        ).count()
        if count >= MAX_DEVICES:
            raise ValidationError(
                _("You already get notifications on %(count)s devices: remove one first."),
                code="too_many",
                params={"count": MAX_DEVICES},
            )
        try:
            with transaction.atomic():
                subscription = PushSubscription.objects.create(
                    organization_id=membership.organization_id,
                    membership=membership,
                    endpoint=endpoint,
                    endpoint_digest=digest,
                    service=service,
                    p256dh=p256dh,
                    auth=auth,
                    label=label,
                )
        except IntegrityError:
            # The same browser, subscribed twice at once: the first one stands.
            return PushSubscription.objects.get(
                membership=membership, endpoint_digest=digest
            ), False
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="push.device_added",
            target=subscription,
            target_label=label,
        )
        # A device again: if notifications on devices had stopped for this member, they resume.
        channel_stop_clear(membership=membership, channel=Channel.PUSH)
    return subscription, True


def subscription_remove(*, subscription: PushSubscription, actor: User | None) -> None:
    audit_record(
        organization=subscription.membership.organization,
        actor=actor,
        action="push.device_removed",
        target=subscription,
        target_label=subscription.label,
    )
    subscription.delete()


class TooSoon(Exception):
    """A test was sent to this device a moment ago."""


def subscription_send_test(*, subscription: PushSubscription) -> Outcome:
    """Send a test notification to one device now, in its owner's language.

    TooSoon when one went to this device less than TEST_INTERVAL_SECONDS ago.
    """
    if not cache.add(f"webpush:test:{subscription.pk}", True, TEST_INTERVAL_SECONDS):
        raise TooSoon
    user = subscription.membership.user
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        message = Message(
            category=Category.TEST,
            subject=_("Notifications work on this device"),
            intro=_("This is the test you asked for. Tap it to see your devices."),
            url=settings.SITE_URL + reverse("push_devices"),
            language=language,
        )
    return push_to(subscriptions=[subscription], message=message)
