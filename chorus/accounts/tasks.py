from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from chorus.accounts.models import Invitation, User
from chorus.accounts.selectors.branding import organization_logo_url
from chorus.core.tenancy import runs_in_organization_of

logger = logging.getLogger(__name__)


@task()
@runs_in_organization_of(Invitation, "invitation_ids")
def invitations_send(*, invitation_ids: list[int], language: str = "") -> int:
    """Email each still-pending invitation a fresh link. Returns how many were sent.

    Each email speaks the language the invited person chose, when they already have an
    account and chose one; otherwise `language`, the inviting admin's.
    """
    from chorus.accounts.services.invitations import invitation_issue_link

    sent = 0
    invitations = Invitation.objects.select_related("organization", "invited_by").filter(
        pk__in=invitation_ids, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for invitation in invitations:
        link = invitation_issue_link(invitation=invitation)
        organization = invitation.organization
        context = {
            "invitation": invitation,
            "link": link,
            # The HTML part shows the organization's logo and colour; the text part stays.
            "logo_url": organization_logo_url(organization=organization),
            "accent_color": organization.accent_color or "#3b4bdb",
        }
        chosen = (
            User.objects.filter(email__iexact=invitation.email)
            .values_list("language", flat=True)
            .first()
        )
        with translation.override(chosen or language or settings.LANGUAGE_CODE):
            subject = _("Join %(name)s on Chorus") % {"name": organization.name}
            body = render_to_string("accounts/email/invitation.txt", context)
            html = render_to_string("accounts/email/invitation.html", context)
        message = EmailMultiAlternatives(subject, body, None, [invitation.email])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except OSError:
            logger.exception("Could not send the invitation to %s", invitation.email)
            continue
        sent += 1
    return sent
