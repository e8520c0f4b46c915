"""A potential crisis, flagged by anyone in the program from any page or a conversation,
and resolved by the communications team (admins and curators).

Flagging tells admins and curators at once, in the app (`crisis_team_tell`). Pausing all
sharing is sharing's: `chorus.sharing.services.pause`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.care.access import is_care_member
from chorus.care.models import Conversation, CrisisFlag
from chorus.core.audit import audit_record
from chorus.core.validators import web_url_clean
from chorus.notifications.services.notifications import notification_create

MAX_DESCRIPTION = 2000
MAX_RESOLUTION = 500
MAX_PAGE = 500
# Flagging twice quickly is fine; past this many in an hour, a member is asked to wait.
FLAGS_PER_HOUR = 5


def crisis_may_flag(membership: Membership) -> bool:
    """Anyone in the program: members who joined it, and everyone working in care (care
    staff, agents who opted in). Admins always."""
    if not membership.is_active:
        return False
    return membership.is_advocate or membership.is_admin or is_care_member(membership)


def crisis_may_manage(membership: Membership) -> bool:
    """The communications team: admins and curators see and resolve flags."""
    return membership.has_role("curator", "admin")


def crisis_page_clean(page: str) -> str:
    """The page a flag was raised from, if it is a path on our own site; "" otherwise
    (another site, a scheme, a protocol-relative address, control characters)."""
    page = page.strip()
    if (
        not page
        or len(page) > MAX_PAGE
        or not page.startswith("/")
        or page.startswith(("//", "/\\"))
        or any(ord(character) < 32 or ord(character) == 127 for character in page)
        or not url_has_allowed_host_and_scheme(page, allowed_hosts=None)
    ):
        return ""
    return page


def crisis_team(*, organization_id: int) -> list[Membership]:
    """Who is told about a flag: the organization's active admins and curators."""
    return list(
        Membership.objects.filter(organization_id=organization_id, is_active=True)
        .filter(Q(is_admin=True) | Q(is_curator=True))
        .select_related("user", "organization")
    )


def crisis_team_tell(*, flag: CrisisFlag) -> int:
    """Tell the communications team about a flag, each in their language. Returns how many
    were told.

    The one place that does it: each member also gets it where they chose customer care
    messages (email, Slack, their phone), and once committed the flag is posted to the
    Slack and Teams channels chosen for crisis alerts (`crisis_alert_channels`)."""
    raised_by = flag.raised_by
    who = str(raised_by.user) if raised_by is not None else _("A member")
    url = reverse("care_crisis_list") + f"#flag-{flag.pk}"
    told = 0
    for member in crisis_team(organization_id=flag.organization_id):
        if raised_by is not None and member.pk == raised_by.pk:
            continue
        notification_create(
            membership=member,
            kind="care_crisis_flagged",
            message=gettext_lazy("Potential crisis flagged by %(who)s: %(what)s"),
            params={"who": who, "what": flag.description[:300]},
            url=url,
        )
        told += 1
    flag_id = flag.pk
    transaction.on_commit(lambda: _alert_channels_soon(flag_id))
    return told


def _alert_channels_soon(flag_id: int) -> None:
    from chorus.care.tasks import care_crisis_alert_channels

    care_crisis_alert_channels.enqueue(flag_id=flag_id)


def crisis_alert_channels(*, flag_id: int) -> int:
    """Post a flag to the Slack and Teams channels an admin chose for crisis alerts (a
    private channel of the communications team, never the channels everyone reads).
    Returns how many channels took it; a channel that fails never fails the flag."""
    from chorus.notifications.messages import Action, Category, Message
    from chorus.notifications.slack.services.posting import slack_crisis_alert
    from chorus.notifications.teams.services.crisis import teams_crisis_alert

    flag = CrisisFlag.objects.select_related("organization", "raised_by__user").get(pk=flag_id)
    who = str(flag.raised_by.user) if flag.raised_by is not None else _("A member")
    url = settings.SITE_URL + reverse("care_crisis_list") + f"#flag-{flag.pk}"
    message = Message(
        category=Category.PROGRAM,
        subject=_("Potential crisis flagged by %(who)s") % {"who": who},
        intro=flag.description[:1000],
        url=url,
        actions=(Action(_("Open the crisis flags"), url),),
        organization_name=flag.organization.name,
        language=settings.LANGUAGE_CODE,
    )
    return slack_crisis_alert(organization=flag.organization, message=message) + (
        teams_crisis_alert(organization=flag.organization, message=message)
    )


def crisis_flag(
    *,
    membership: Membership,
    description: str,
    link: str = "",
    page: str = "",
    conversation: Conversation | None = None,
) -> CrisisFlag:
    """Flag a potential crisis; the communications team is told at once.

    PermissionDenied for someone not in the program; ValidationError (nothing saved) for
    an empty or too long description, a link that is not a web address, or past
    FLAGS_PER_HOUR flags in the last hour. A page that is not ours is dropped silently
    (it only says where the member was)."""
    if not crisis_may_flag(membership):
        raise PermissionDenied(_("Join the advocacy program to flag a potential crisis."))
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Say what is happening.")})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            {"description": _("Keep it under %(count)s characters.") % {"count": MAX_DESCRIPTION}}
        )
    try:
        link = web_url_clean(link, blank=True)
    except ValidationError as error:
        raise ValidationError({"link": error.messages}) from None
    if conversation is not None and conversation.organization_id != membership.organization_id:
        raise ValidationError(_("That conversation is not in your organization."))
    with transaction.atomic():
        # Lock the member's row so parallel requests cannot all slip under the limit.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        recent = CrisisFlag.objects.filter(
            organization_id=membership.organization_id,
            raised_by=membership,
            created_at__gte=timezone.now() - timedelta(hours=1),
        ).count()
        if recent >= FLAGS_PER_HOUR:
            raise ValidationError(
                _(
                    "You flagged %(count)s potential crises in the last hour. The team has "
                    "been told; please wait a little before flagging again, or contact them "
                    "directly."
                )
                % {"count": recent}
            )
        flag = CrisisFlag.objects.create(
            organization_id=membership.organization_id,
            raised_by=membership,
            conversation=conversation,
            page=crisis_page_clean(page),
            link=link,
            description=description,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.crisis_flagged",
            target=flag,
            data={
                "page": flag.page,
                "link": link,
                "conversation": conversation.pk if conversation is not None else None,
            },
        )
        crisis_team_tell(flag=flag)
    return flag


def crisis_resolve(*, flag: CrisisFlag, membership: Membership, resolution: str) -> CrisisFlag:
    """Mark a flag resolved with a note (admins and curators). ValidationError, nothing
    changed, without a note or when it is already resolved."""
    if not crisis_may_manage(membership):
        raise PermissionDenied(_("Only admins and curators resolve crisis flags."))
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    if len(resolution) > MAX_RESOLUTION:
        raise ValidationError(
            {"resolution": _("Keep it under %(count)s characters.") % {"count": MAX_RESOLUTION}}
        )
    with transaction.atomic():
        locked = CrisisFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.resolved_at is not None:
            raise ValidationError(_("This flag is already resolved."))
        locked.resolved_at = timezone.now()
        locked.resolved_by = membership
        locked.resolution = resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.crisis_resolved",
            target=locked,
            data={"resolution": resolution},
        )
    return locked
