"""Members' connected accounts: connecting (OAuth, or an app password for Bluesky),
using the tokens, keeping them fresh, reminding before they lapse, disconnecting.

Tokens are only ever decrypted into a `chorus.networks.base.Connection` for one adapter
call (`connection_call`), and whatever the adapter refreshed is written back encrypted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, User
from chorus.core.audit import audit_record
from chorus.networks import base
from chorus.networks.registry import CHANNELS, adapter, oauth_adapter, publishing_adapter
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.i18n import in_language_of, when_shown
from chorus.sharing.models import (
    ConnectionStatus,
    MastodonApp,
    NetworkConnection,
    NetworkSettings,
)
from chorus.sharing.services.cancel import shares_cancel_for_connection
from chorus.sharing.services.settings import network_settings_for

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Members are asked to reconnect this long before a token that cannot renew itself lapses.
REMIND_BEFORE = timedelta(days=7)
# Networks members connect with a password form instead of OAuth.
PASSWORD_NETWORKS = frozenset({"bluesky"})


def callback_url() -> str:
    """The one OAuth redirect URI of every network (the network waits in the session)."""
    return settings.SITE_URL.rstrip("/") + reverse("connection_callback")


def _label(network: str) -> str:
    return adapter(network).label


def connection_check_allowed(*, membership: Membership, network: str) -> None:
    """ValidationError unless this member may connect an account on `network`."""
    if network not in CHANNELS or not adapter(network).can_publish:
        raise ValidationError(_("Chorus cannot publish to this network; use its share link."))
    if not membership.is_advocate:
        raise ValidationError(_("Join the advocacy program before connecting your accounts."))
    found = network_settings_for(organization=membership.organization, network=network)
    if not (found.sharing_enabled and found.publishing_enabled):
        raise ValidationError(
            _("Your organization has not turned on publishing to %(network)s.")
            % {"network": _label(network)}
        )


def mastodon_app_for(*, instance: str, redirect_uri: str) -> MastodonApp:
    """The app Chorus registered on a Mastodon instance, registering it the first time."""
    existing = MastodonApp.objects.filter(instance=instance).first()
    if existing is not None:
        return existing
    mastodon = publishing_adapter("mastodon")
    credentials = mastodon.register_app(instance, redirect_uri=redirect_uri)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            return MastodonApp.objects.create(
                instance=instance,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
            )
    except IntegrityError:
        # Registered at the same moment by another request: use theirs.
        return MastodonApp.objects.get(instance=instance)


def app_credentials(
    *, organization_id: int, network: str, instance: str = ""
) -> base.AppCredentials:
    if network == "mastodon":
        app = MastodonApp.objects.filter(instance=instance).first()
        if app is None:
            return base.AppCredentials()
        return base.AppCredentials(client_id=app.client_id, client_secret=app.client_secret)
    if network in PASSWORD_NETWORKS:
        return base.AppCredentials()
    found = NetworkSettings.objects.filter(organization_id=organization_id, network=network).first()
    if found is None:
        return base.AppCredentials()
    return base.AppCredentials(client_id=found.client_id, client_secret=found.client_secret)


def _clean_instance(network: str, instance: str) -> str:
    if network != "mastodon":
        return ""
    try:
        return str(adapter("mastodon").instance_clean(instance))  # type: ignore[attr-defined]
    except ValueError as error:
        raise ValidationError(str(error)) from error


def connection_start(
    *, membership: Membership, network: str, redirect_uri: str, instance: str = ""
) -> base.Authorization:
    """Where to send the member to grant access; the caller keeps the result in the session."""
    connection_check_allowed(membership=membership, network=network)
    if network in PASSWORD_NETWORKS:
        raise ValidationError(
            _("Connect %(network)s with your handle and an app password.")
            % {"network": _label(network)}
        )
    instance = _clean_instance(network, instance)
    try:
        if network == "mastodon":
            mastodon_app_for(instance=instance, redirect_uri=redirect_uri)
        app = app_credentials(
            organization_id=membership.organization_id, network=network, instance=instance
        )
        return oauth_adapter(network).authorization(
            app, redirect_uri=redirect_uri, instance=instance
        )
    except base.NetworkError as error:
        raise ValidationError(
            _("%(network)s could not be reached: %(reason)s")
            % {"network": _label(network), "reason": error.message}
        ) from error


def connection_complete(
    *,
    membership: Membership,
    network: str,
    authorization: base.Authorization,
    state: str,
    code: str,
    redirect_uri: str,
    instance: str = "",
) -> NetworkConnection:
    """Finish the OAuth dance: check the state, exchange the code, store the tokens."""
    if not state or not secrets.compare_digest(state, authorization.state):
        raise ValidationError(
            _(
                "This sign-in did not start here or has already been used; nothing was "
                "connected. Please try again."
            )
        )
    if not code:
        raise ValidationError(
            _("%(network)s did not grant access; nothing was connected.")
            % {"network": _label(network)}
        )
    connection_check_allowed(membership=membership, network=network)
    instance = _clean_instance(network, instance)
    oauth = oauth_adapter(network)
    app = app_credentials(
        organization_id=membership.organization_id, network=network, instance=instance
    )
    try:
        plain = oauth.exchange_code(
            app,
            code=code,
            redirect_uri=redirect_uri,
            authorization=authorization,
            instance=instance,
        )
        profile = oauth.profile(plain)
    except base.NetworkError as error:
        raise ValidationError(
            _("%(network)s did not complete the connection: %(reason)s")
            % {"network": _label(network), "reason": error.message}
        ) from error
    return _store(membership=membership, network=network, plain=plain, profile=profile)


def connection_password_login(
    *, membership: Membership, network: str, handle: str, app_password: str, server: str = ""
) -> NetworkConnection:
    """Connect with a handle and an app password (Bluesky). The password is never stored:
    only the session tokens the network gives back are."""
    connection_check_allowed(membership=membership, network=network)
    if network not in PASSWORD_NETWORKS:
        raise ValidationError(
            _("%(network)s is connected by signing in there.") % {"network": _label(network)}
        )
    if not handle.strip() or not app_password.strip():
        raise ValidationError(_("Enter your handle and an app password."))
    found = publishing_adapter(network)
    try:
        # The member's own server (a self-hosted PDS), or the network's default.
        login_options = {"service": server.strip()} if server.strip() else {}
        plain = found.login(  # type: ignore[attr-defined]
            handle.strip(), app_password.strip(), **login_options
        )
        profile = found.profile(plain)
    except base.NetworkError as error:
        raise ValidationError(
            _("%(network)s refused the sign-in: %(reason)s")
            % {"network": _label(network), "reason": error.message}
        ) from error
    except ValueError as error:
        raise ValidationError(str(error)) from error
    return _store(membership=membership, network=network, plain=plain, profile=profile)


def _expires_at(network: str, plain: base.Connection) -> datetime | None:
    if plain.expires_at is not None:
        return plain.expires_at
    days = publishing_adapter(network).token_lifetime_days
    return timezone.now() + timedelta(days=days) if days else None


def _store(
    *, membership: Membership, network: str, plain: base.Connection, profile: base.Profile
) -> NetworkConnection:
    now = timezone.now()
    with transaction.atomic():
        connection, created = NetworkConnection.objects.update_or_create(
            membership=membership,
            network=network,
            defaults={
                "organization_id": membership.organization_id,
                "instance": plain.instance,
                "account_id": profile.account_id or plain.account_id,
                "handle": profile.handle or plain.handle,
                "display_name": profile.display_name[:300],
                "profile_url": profile.url[:2000],
                "followers": profile.followers,
                "access_token": plain.access_token,
                "refresh_token": plain.refresh_token,
                "expires_at": _expires_at(network, plain),
                "status": ConnectionStatus.ACTIVE,
                "last_error": "",
                "connected_at": now,
                "refreshed_at": None,
                "reminded_at": None,
            },
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="connection.connected" if created else "connection.reconnected",
            target=connection,
            data={"network": network, "handle": connection.handle},
        )
    return connection


def plain_connection(connection: NetworkConnection) -> base.Connection:
    """The connection decrypted for one adapter call."""
    return base.Connection(
        app=app_credentials(
            organization_id=connection.organization_id,
            network=connection.network,
            instance=connection.instance,
        ),
        access_token=connection.access_token,
        refresh_token=connection.refresh_token,
        expires_at=connection.expires_at,
        instance=connection.instance,
        account_id=connection.account_id,
        handle=connection.handle,
    )


def connection_store_refreshed(*, connection: NetworkConnection, plain: base.Connection) -> None:
    """Write tokens an adapter refreshed back (encrypted)."""
    if not plain.refreshed:
        return
    connection.access_token = plain.access_token
    connection.refresh_token = plain.refresh_token
    connection.expires_at = plain.expires_at or _expires_at(connection.network, plain)
    connection.refreshed_at = timezone.now()
    connection.reminded_at = None
    connection.save(
        update_fields=["access_token", "refresh_token", "expires_at", "refreshed_at", "reminded_at"]
    )


def connection_mark_expired(*, connection: NetworkConnection, message: str = "") -> None:
    """The network no longer accepts the token: ask the member (once) to reconnect."""
    label = _label(connection.network)
    with in_language_of(connection.membership):
        text = message or _("Chorus can no longer post to your %(network)s account.") % {
            "network": label
        }
    updated = NetworkConnection.objects.filter(
        pk=connection.pk, status=ConnectionStatus.ACTIVE
    ).update(status=ConnectionStatus.EXPIRED, last_error=text[:500])
    connection.status = ConnectionStatus.EXPIRED
    connection.last_error = text[:500]
    if updated:
        notification_create(
            membership=connection.membership,
            kind="connection_expired",
            message=gettext_lazy("Reconnect your %(network)s account: %(reason)s"),
            params={"network": label, "reason": text},
            url=reverse("connections"),
        )


def connection_call(*, connection: NetworkConnection, action: Callable[[base.Connection], T]) -> T:
    """Run one adapter call with the decrypted tokens; store refreshed tokens, whatever
    the outcome; an AuthExpired marks the connection expired (and is raised on)."""
    plain = plain_connection(connection)
    try:
        return action(plain)
    except base.AuthExpired as error:
        connection_mark_expired(connection=connection, message=error.message)
        raise
    finally:
        connection_store_refreshed(connection=connection, plain=plain)


def connection_disconnect(*, connection: NetworkConnection, actor: User) -> None:
    """Revoke the token (best effort), cancel pending shares there, delete the tokens."""
    try:
        publishing_adapter(connection.network).revoke(plain_connection(connection))
    except Exception:  # revoking is a courtesy; the tokens go either way
        logger.warning("Revoking a %s token failed", connection.network, exc_info=True)
    with transaction.atomic():
        cancelled = shares_cancel_for_connection(connection=connection)
        audit_record(
            organization=connection.membership.organization,
            actor=actor,
            action="connection.disconnected",
            target=connection,
            data={"network": connection.network, "cancelled_shares": cancelled},
        )
        connection.delete()


def connections_check_expiry(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: ask members to reconnect ~7 days before a token lapses (once), and mark
    lapsed connections expired. Tokens that renew themselves (a refresh token) are left
    to the adapters, which refresh them on use."""
    now = now or timezone.now()
    reminded = expired = 0
    lapsed = NetworkConnection.objects.select_related("membership").filter(
        status=ConnectionStatus.ACTIVE, expires_at__lte=now, refresh_token=""
    )
    for connection in lapsed.iterator():
        assert connection.expires_at is not None  # filtered above
        with in_language_of(connection.membership):
            message = _("Your %(network)s connection expired on %(date)s.") % {
                "network": _label(connection.network),
                "date": when_shown(connection.expires_at),
            }
        connection_mark_expired(connection=connection, message=message)
        expired += 1
    soon = NetworkConnection.objects.select_related("membership").filter(
        status=ConnectionStatus.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + REMIND_BEFORE,
        reminded_at__isnull=True,
        refresh_token="",
    )
    for connection in soon.iterator():
        # Conditional update: a concurrent run reminds nobody a second time.
        if not NetworkConnection.objects.filter(pk=connection.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            continue
        assert connection.expires_at is not None  # filtered above
        notification_create(
            membership=connection.membership,
            kind="connection_expiring",
            message=gettext_lazy(
                "Your %(network)s connection expires on %(date)s: "
                "reconnect it to keep scheduled shares going."
            ),
            params={
                "network": _label(connection.network),
                "date": when_shown(connection.expires_at),
            },
            url=reverse("connections"),
        )
        reminded += 1
    return {"reminded": reminded, "expired": expired}
