"""Minting tracked links and their settings (storing clicks is in chorus.links.clicks)."""

from __future__ import annotations

import secrets
import string
from urllib.parse import SplitResult, unquote_plus, urlencode, urlsplit, urlunsplit

import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext, pgettext_lazy
from django_stubs_ext import StrOrPromise

from chorus.accounts.models import Membership, Organization, User
from chorus.content.models import Post, PostState
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations
from chorus.core.validators import web_url_clean
from chorus.links.clicks import clicks_drain as clicks_drain
from chorus.links.clicks import clicks_store as clicks_store
from chorus.links.clicks import referrer_host as referrer_host
from chorus.links.edge import safe_location
from chorus.links.models import Link, LinkSettings
from chorus.networks.registry import CHANNELS

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
UTM_MEDIUM = "employee_advocacy"
MAX_DESTINATION_LENGTH = 4000  # Link.destination's max_length
# Links are made only for approved posts: a draft or a post in review is not published, and
# its link would not redirect (edge.APPROVED_STATES also lets an expired post's links work).
MINTABLE_STATES = frozenset({PostState.APPROVED, PostState.SCHEDULED, PostState.LIVE})
NOT_MINTABLE: dict[str, StrOrPromise] = {
    PostState.DRAFT: pgettext_lazy("this post is …", "a draft"),
    PostState.IN_REVIEW: pgettext_lazy("this post is …", "in review"),
    PostState.REJECTED: pgettext_lazy("this post is …", "rejected"),
    PostState.EXPIRED: pgettext_lazy("this post is …", "expired"),
    PostState.ARCHIVED: pgettext_lazy("this post is …", "withdrawn"),
}


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracked_destination(url: str, *, network: str, campaign: str) -> str:
    """The URL with our UTM parameters set, its own query kept as it was.

    The result is plain ASCII (IDNA host, percent-escaped path and query), so it can go
    into a Location header as is, and means to a browser what it means to us.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as error:
        raise ValidationError(gettext("This link is not a valid address.")) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(gettext("Only http and https links can be tracked."))
    ours = {
        "utm_source": network or "chorus",
        "utm_medium": UTM_MEDIUM,
        **({"utm_campaign": campaign} if campaign else {}),
    }
    # Keep the destination's own parameters byte for byte (decoding and re-encoding would
    # change some, e.g. "?amp" or latin-1 escapes); only ours are replaced.
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and unquote_plus(piece.partition("=")[0]) not in ours
    ]
    query = "&".join([*kept, urlencode(list(ours.items()))])
    destination = _ascii_url(parts, query=query)
    if len(destination) > MAX_DESTINATION_LENGTH:
        raise ValidationError(gettext("This link is too long to track."))
    return destination


def _ascii_url(parts: SplitResult, *, query: str) -> str:
    """The URL as plain ASCII (IDNA host, percent-escaped rest): safe in a Location header."""
    netloc = _ascii_host(parts.hostname or "")
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    return iri_to_uri(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def _ascii_host(host: str) -> str:
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode()
        except idna.IDNAError as error:
            raise ValidationError(gettext("This link's domain name is not valid.")) from error
    return f"[{host}]" if ":" in host else host


def link_mint(*, post: Post, membership: Membership | None = None, network: str = "") -> Link:
    """The link for (post, member, network), or for the post alone; the same one every time.

    Raises ValidationError for a post that is not approved (approved, scheduled or live).
    """
    if post.state not in MINTABLE_STATES:
        state = NOT_MINTABLE.get(post.state, post.state)
        raise ValidationError(
            gettext(
                "Tracked links are made only for approved posts: this post is %(state)s. "
                "Links can be made once it is approved (or scheduled, or live)."
            )
            % {"state": state}
        )
    # Every channel, not only the networks with captions: WhatsApp and email shares carry links.
    if network and network not in CHANNELS:
        raise ValidationError(gettext("Unknown network: %(network)s.") % {"network": network})
    if membership is not None and (
        membership.organization_id != post.organization_id or not membership.is_active
    ):
        raise ValidationError(gettext("That member cannot share this post."))
    if not post.link_url:
        raise ValidationError(gettext("This post has no link to track."))
    existing = Link.objects.filter(post=post, membership=membership, network=network).first()
    if existing is not None:
        return existing
    destination = tracked_destination(post.link_url, network=network, campaign=post.campaign)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Link.objects.create(
                    organization_id=post.organization_id,
                    post=post,
                    membership=membership,
                    network=network,
                    destination=destination,
                    code=new_code(),
                )
        except IntegrityError:
            # Either a parallel mint of the same triple (return it) or a code collision.
            existing = Link.objects.filter(
                post=post, membership=membership, network=network
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not find a free link code.")  # pragma: no cover


def short_url(link: Link) -> str:
    return f"{short_url_base(organization_id=link.organization_id)}/l/{link.code}"


def link_set_active(*, link: Link, active: bool) -> None:
    link.is_active = active
    link.save(update_fields=["is_active"])


# Link settings and switching links on and off (the pages and the API) -----------------


def short_url_base(*, organization_id: int) -> str:
    """The start of every short URL of the organization (one query, for whole lists)."""
    domain = (
        LinkSettings.objects.filter(organization_id=organization_id)
        .values_list("short_domain", flat=True)
        .first()
    )
    return f"https://{domain}" if domain else settings.SITE_URL


def _domain_taken(domain: str, organization: Organization) -> bool:
    """Whether another organization's links already use the short domain."""
    with across_organizations("a short domain belongs to one organization of all"):
        return (
            LinkSettings.objects.filter(short_domain=domain)
            .exclude(organization=organization)
            .exists()
        )


def short_domain_clean(value: str) -> str:
    """A custom short domain as stored: a bare host name, lower case, IDNA (punycode) form.

    Raises ValidationError for a scheme, path, port, address or this site's own host: the
    domain must be one that only serves short links, pointed at Chorus by its owner.
    """
    domain = value.strip().lower().rstrip(".")
    if not domain:
        return ""
    if any(mark in domain for mark in ("://", "/", ":", "?", "#", "@", "\\")) or any(
        character.isspace() for character in domain
    ):
        raise ValidationError(
            gettext("Enter the host name only, like go.acme.com: no https://, path or port.")
        )
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(gettext("That is not a valid domain name.")) from None
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or len(domain) > 253:
        raise ValidationError(gettext("Enter a full domain name with a dot, like go.acme.com."))
    site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if domain == site_host:
        raise ValidationError(gettext("Use a domain of its own, not this site's address."))
    return domain


def fallback_url_clean(value: str) -> str:
    """The fallback page as the redirect will send it (ASCII), or a refusal.

    Stored in the same form as minted destinations: the redirect refuses to send anything
    else, so a page accepted here must be one it can actually lead to.
    """
    url = web_url_clean(value, blank=True)
    if not url:
        return ""
    parts = urlsplit(url)
    url = _ascii_url(parts, query=parts.query)
    if len(url) > 2000:
        raise ValidationError(
            gettext("The fallback address is too long (2,000 characters at most).")
        )
    if not safe_location(url):
        raise ValidationError(gettext("The fallback page is not an address a link can lead to."))
    return url


def link_settings_update(
    *, organization: Organization, actor: User | None, short_domain: str, fallback_url: str
) -> LinkSettings:
    """Set the organization's short domain and fallback page (validated here, audited).

    The redirect caches each code's target for LINK_CACHE_SECONDS, so a new fallback page
    takes effect within that time.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, clean, value in (
        ("short_domain", short_domain_clean, short_domain),
        ("fallback_url", fallback_url_clean, fallback_url),
    ):
        try:
            cleaned[name] = clean(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if cleaned.get("short_domain") and _domain_taken(cleaned["short_domain"], organization):
        errors["short_domain"] = [gettext("Another organization already uses this domain.")]
    if errors:
        raise ValidationError(errors)
    link_settings, _ = LinkSettings.objects.get_or_create(organization=organization)
    before = {
        "short_domain": link_settings.short_domain,
        "fallback_url": link_settings.fallback_url,
    }
    if before == cleaned:
        return link_settings
    link_settings.short_domain = cleaned["short_domain"]
    link_settings.fallback_url = cleaned["fallback_url"]
    link_settings.save(update_fields=["short_domain", "fallback_url"])
    audit_record(
        organization=organization,
        actor=actor,
        action="links.settings_update",
        data={"before": before, "after": cleaned},
    )
    return link_settings


def link_update(*, link: Link, actor: User | None, is_active: bool) -> Link:
    """Enable or disable a link (audited). The redirect notices within LINK_CACHE_SECONDS."""
    if link.is_active == is_active:
        return link
    link_set_active(link=link, active=is_active)
    audit_record(
        organization=link.organization,
        actor=actor,
        action="links.enable" if is_active else "links.disable",
        target=link,
        data={"post_id": link.post_id, "network": link.network},
    )
    return link
