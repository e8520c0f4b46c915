"""Writes for the social media policy: trainers write and publish it, members acknowledge
it, and admins decide whether sharing waits for the acknowledgement.

Every function checks who may do it, so pages and the API refuse the same things.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.training.models import (
    Gate,
    GateAction,
    Policy,
    PolicyAcknowledgement,
    PolicyVersion,
)
from chorus.training.selectors import policy as selectors
from chorus.training.services.starter import STARTER_COURSES

MAX_TITLE = 200
MAX_BODY = 100000
MAX_NOTE = 300
# The starter curriculum's course whose lessons make Chorus's template of a policy.
TEMPLATE_COURSE = "policy"

NEW_VERSION_MESSAGE = gettext_lazy(
    "Version %(number)s of the social media policy was published: please read and acknowledge it."
)


def _require_trainer(membership: Membership) -> None:
    if not membership.has_role("trainer"):
        raise PermissionDenied(_("Only trainers and admins write and publish the policy."))


def _require_admin(membership: Membership) -> None:
    if not membership.has_role("admin"):
        raise PermissionDenied(_("Only admins decide whether sharing waits for the policy."))


def default_title() -> str:
    return _("Social media policy")


def _policy_for(organization: Organization) -> Policy:
    policy = selectors.policy_of(organization=organization)
    if policy is None:
        policy, _created = Policy.objects.get_or_create(
            organization=organization, defaults={"title": default_title()}
        )
    return policy


def _clean_title(title: str) -> str:
    title = " ".join(title.replace("\x00", "").split())
    if not title:
        raise ValidationError({"title": [_("Give the policy a title.")]})
    if len(title) > MAX_TITLE:
        raise ValidationError(
            {"title": [_("A title has at most %(max)s characters.") % {"max": MAX_TITLE}]}
        )
    return title


def _clean_body(body: str) -> str:
    body = body.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": [_("The policy has at most %(max)s characters.") % {"max": MAX_BODY}]}
        )
    return body


def policy_save_draft(*, membership: Membership, title: str, body: str) -> Policy:
    """A trainer keeps the text of the next version (Markdown); members see nothing of it
    until it is published."""
    _require_trainer(membership)
    errors: dict[str, list[str]] = {}
    try:
        title = _clean_title(title)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        body = _clean_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = _policy_for(membership.organization)
        policy.title = title
        policy.draft = body
        policy.save(update_fields=["title", "draft", "updated_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.policy_draft_saved",
            target=policy,
        )
    return policy


def template_text() -> str:
    """Chorus's template: the starter curriculum's policy course, its lessons one after
    the other."""
    course = next(course for course in STARTER_COURSES if course.key == TEMPLATE_COURSE)
    parts = [f"## {lesson.title}\n\n{lesson.body.strip()}" for lesson in course.lessons]
    return "\n\n".join(parts) + "\n"


def policy_start_from_template(*, membership: Membership) -> Policy:
    """Fills an empty draft with Chorus's template, for the trainer to adapt. A draft
    with text is never overwritten."""
    _require_trainer(membership)
    with transaction.atomic():
        policy = _policy_for(membership.organization)
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if policy.draft.strip():
            raise ValidationError(
                _("The draft already has text: empty it first to start from the template.")
            )
        policy.draft = template_text()
        policy.save(update_fields=["draft", "updated_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.policy_template_used",
            target=policy,
        )
    return policy


def policy_publish(*, membership: Membership, note: str) -> PolicyVersion:
    """Publishes the draft as the next version, with what changed; every member in the
    program is asked to read and acknowledge it."""
    _require_trainer(membership)
    note = " ".join(note.replace("\x00", "").split())
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": [_("The note has at most %(max)s characters.") % {"max": MAX_NOTE}]}
        )
    organization = membership.organization
    with transaction.atomic():
        policy = Policy.objects.select_for_update().filter(organization=organization).first()
        if policy is None or not policy.draft.strip():
            raise ValidationError(_("Write the policy before publishing it."))
        latest = selectors.latest_version(organization=organization)
        if latest is not None:
            if latest.body == policy.draft and latest.title == policy.title:
                raise ValidationError(
                    _("Nothing changed since version %(number)s.") % {"number": latest.number}
                )
            if not note:
                raise ValidationError({"note": [_("Say what changed since the last version.")]})
        version = PolicyVersion.objects.create(
            organization=organization,
            policy=policy,
            number=(latest.number if latest is not None else 0) + 1,
            title=policy.title,
            body=policy.draft,
            note=note,
            published_by=membership.user,
            published_at=timezone.now(),
        )
        url = reverse("policy")
        for member in selectors.members_asked(organization=organization):
            notification_create(
                membership=member,
                kind="policy_published",
                message=NEW_VERSION_MESSAGE,
                params={"number": version.number},
                url=url,
            )
        audit_record(
            organization=organization,
            actor=membership.user,
            action="training.policy_published",
            target=version,
            data={"number": version.number, "note": note},
        )
    return version


def policy_acknowledge(*, membership: Membership, version: PolicyVersion) -> PolicyAcknowledgement:
    """The member acknowledges the current version. Acknowledging it again changes nothing;
    an older version cannot be acknowledged."""
    if version.organization_id != membership.organization_id or not membership.is_active:
        raise PermissionDenied(_("This policy is not in your organization."))
    latest = selectors.latest_version(organization=membership.organization)
    if latest is None or latest.pk != version.pk:
        raise ValidationError(
            _("A newer version of the policy was published: read and acknowledge that one.")
        )
    existing = selectors.acknowledgement_of(membership=membership, version=version)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acknowledgement = PolicyAcknowledgement.objects.create(
                organization=membership.organization, version=version, membership=membership
            )
            audit_record(
                organization=membership.organization,
                actor=membership.user,
                action="training.policy_acknowledged",
                target=version,
                data={"number": version.number},
            )
    except IntegrityError:
        # Acknowledged at the same moment in another request (two clicks): theirs stands.
        found = selectors.acknowledgement_of(membership=membership, version=version)
        if found is None:
            raise
        return found
    return acknowledgement


def policy_require_before_sharing(*, membership: Membership, required: bool) -> bool:
    """An admin decides whether members acknowledge the current version before they share:
    a share gate asking for the policy, added or taken away. Returns the setting."""
    _require_admin(membership)
    organization = membership.organization
    with transaction.atomic():
        gates = Gate.objects.filter(
            organization=organization, action=GateAction.SHARE, requires_policy=True
        )
        was = gates.exists()
        if required == was:
            return required
        if required:
            if selectors.latest_version(organization=organization) is None:
                raise ValidationError(_("Publish a version of the policy first."))
            Gate.objects.create(
                organization=organization,
                action=GateAction.SHARE,
                requires_policy=True,
                created_by=membership.user,
            )
        else:
            # A gate that also asks for a certification keeps asking for it.
            gates.filter(certification__isnull=False).update(requires_policy=False)
            gates.filter(certification__isnull=True).delete()
        audit_record(
            organization=organization,
            actor=membership.user,
            action="training.policy_required" if required else "training.policy_not_required",
            data={"required": required},
        )
    return required
