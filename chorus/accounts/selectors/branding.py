"""The organization's look as pages use it: its stylesheet and its logo's address."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from chorus.accounts.models import Organization
from chorus.core.colors import color_tint_for_text


def organization_theme_css(*, organization: Organization) -> str:
    """The few rules that put the organization's accent colour on the shell (chorus.css
    reads --primary everywhere); empty when it keeps Chorus's own colour."""
    accent = organization.accent_color
    if not accent:
        return ""
    tint = color_tint_for_text(accent)
    return (
        f"/* {organization.name}: accent colour */\n"
        f":root {{ --primary: {accent}; --accent: {accent}; --primary-tint: {tint}; }}\n"
        ".nav-link.current, .notification.unread { background: var(--primary-tint); }\n"
    )


def organization_logo_path(*, organization: Organization) -> str:
    """The logo's address on this site ('' without a logo); it changes with every upload."""
    if not organization.logo:
        return ""
    return reverse("organization_logo", args=[organization.logo_file_name])


def organization_logo_url(*, organization: Organization) -> str:
    """The logo's absolute address, for emails ('' without a logo)."""
    path = organization_logo_path(organization=organization)
    return f"{settings.SITE_URL}{path}" if path else ""
