"""The organization's look: its logo and accent colour, on the app shell and in emails."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.core.colors import (
    AA_CONTRAST,
    PAGE_BACKGROUND,
    WHITE,
    color_darkened_for_contrast,
    color_normalize,
    contrast_ratio,
)
from chorus.core.images import ImageRefused, image_encode, image_open, image_store

# Logos are shown about 32 pixels high on the shell and 48 in emails: room for sharp
# screens, and for wide word marks.
LOGO_MAX_WIDTH = 800
LOGO_MAX_HEIGHT = 200


def accent_color_clean(value: str) -> str:
    """'#rrggbb' (or '' for Chorus's own), readable under white text; ValidationError otherwise.

    Buttons put white text on the accent and links put the accent on white: both need the
    contrast WCAG AA asks of text (4.5:1). A colour too light is refused with a darker
    shade of it that passes, so the admin can take it or choose another.
    """
    if not value.strip():
        return ""
    color = color_normalize(value)
    if color is None:
        raise ValidationError(
            _("“%(value)s” is not a colour: write it as #rrggbb, for example #1d4ed8.")
            % {"value": value.strip()[:20]}
        )
    # The page's light grey background is a little darker than white: pass on it too.
    ratio = min(contrast_ratio(color, WHITE), contrast_ratio(color, PAGE_BACKGROUND))
    if ratio < AA_CONTRAST:
        raise ValidationError(
            _(
                "White text on %(color)s is hard to read (contrast %(ratio).1f:1; buttons and "
                "links need at least %(needed).1f:1). A darker shade such as %(suggestion)s "
                "would work."
            )
            % {
                "color": color,
                "ratio": ratio,
                "needed": AA_CONTRAST,
                "suggestion": color_darkened_for_contrast(color, against=PAGE_BACKGROUND),
            }
        )
    return color


def organization_set_accent_color(*, organization: Organization, actor: User, value: str) -> bool:
    """Set (or with '' reset) the accent colour. Returns False when it did not change."""
    color = accent_color_clean(value)
    if color == organization.accent_color:
        return False
    before = organization.accent_color
    organization.accent_color = color
    organization.save(update_fields=["accent_color"])
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.accent_color_changed",
        target=organization,
        data={"before": before, "after": color},
    )
    return True


@transaction.atomic
def organization_set_logo(
    *, organization: Organization, actor: User, data: bytes, name: str = ""
) -> None:
    """Store a new logo: checked and re-encoded by Pillow as PNG (transparency kept).

    SVG files are refused (they can carry scripts); so is anything that is not a picture.
    """
    try:
        image = image_open(data, name=name or _("The logo"))
        encoded = image_encode(
            image, max_width=LOGO_MAX_WIDTH, max_height=LOGO_MAX_HEIGHT, image_format="PNG"
        )
    except ImageRefused as error:
        raise ValidationError(str(error)) from error
    old = organization.logo.name or ""
    organization.logo = image_store(encoded, folder=f"logos/{organization.pk}")  # type: ignore[assignment]
    organization.logo_width, organization.logo_height = encoded.width, encoded.height
    organization.save(update_fields=["logo", "logo_width", "logo_height"])
    # The old file goes once the new logo is committed (a rolled-back upload leaves a
    # stray file behind, never a logo that points at nothing).
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.logo_changed",
        target=organization,
        data={"width": encoded.width, "height": encoded.height},
    )


def organization_remove_logo(*, organization: Organization, actor: User) -> bool:
    """Take the logo away (the shell shows the name alone). False when there was none."""
    old = organization.logo.name or ""
    if not old:
        return False
    organization.logo = ""  # type: ignore[assignment]
    organization.logo_width = organization.logo_height = 0
    organization.save(update_fields=["logo", "logo_width", "logo_height"])
    transaction.on_commit(lambda: default_storage.delete(old))
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.logo_removed",
        target=organization,
        data={},
    )
    return True
