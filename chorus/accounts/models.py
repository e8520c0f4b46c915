from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. What they may do depends on their memberships."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(max_length=150, blank=True)
    # One of settings.LANGUAGES, chosen in Settings; empty follows the browser's language.
    language = models.CharField(max_length=16, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Organization(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    program_terms = models.TextField(
        default=(
            "Taking part is voluntary. Chorus never posts on your accounts without your "
            "explicit action or consent. You can leave the program at any time from your "
            "settings, and everything done in your name stops."
        )
    )
    program_terms_version = models.PositiveIntegerField(default=1)
    # Its look on the app shell and in emails: a logo (re-encoded PNG, served from our own
    # origin) and an accent colour for links and buttons (white text on it stays readable).
    logo = models.ImageField(upload_to="logos/", max_length=200, blank=True)
    logo_width = models.PositiveIntegerField(default=0)
    logo_height = models.PositiveIntegerField(default=0)
    accent_color = models.CharField(
        max_length=7, blank=True, help_text=_("#rrggbb; empty for Chorus's own colour.")
    )
    # A crisis pause (chorus/sharing/services/pause.py): while set, nothing is shared in the
    # organization's name: scheduled shares, auto-share and the post of the day are held,
    # and share buttons say why. Resuming releases what was held.
    sharing_paused_at = models.DateTimeField(null=True, blank=True)
    sharing_pause_reason = models.CharField(max_length=500, blank=True)
    sharing_paused_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def sharing_paused(self) -> bool:
        return self.sharing_paused_at is not None

    @property
    def logo_file_name(self) -> str:
        """The stored logo's file name: random, and new with every upload (its address)."""
        return (self.logo.name or "").rsplit("/", 1)[-1]


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    CURATOR = "curator", _("Curator")
    APPROVER = "approver", _("Approver")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Admin")


# The roles as pages list them, in lower case ("employee, curator").
ROLE_NAMES: dict[str, Promise] = {
    Role.EMPLOYEE: pgettext_lazy("role in a list", "employee"),
    Role.CURATOR: pgettext_lazy("role in a list", "curator"),
    Role.APPROVER: pgettext_lazy("role in a list", "approver"),
    Role.TRAINER: pgettext_lazy("role in a list", "trainer"),
    Role.ADMIN: pgettext_lazy("role in a list", "admin"),
}


def role_names(roles: list[str]) -> list[str]:
    """The roles in the current language, for lists; an unknown value stays as it is."""
    return [str(ROLE_NAMES.get(role, role)) for role in roles]


class ProgramStatus(models.TextChoices):
    NOT_JOINED = "not_joined", _("Not joined yet")
    JOINED = "joined", _("Taking part")
    LEFT = "left", _("Left the program")


class Membership(TenantModel):
    """A user's place in one organization: roles, program participation, groups."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    title = models.CharField(max_length=150, blank=True)
    is_employee = models.BooleanField(default=True)
    is_curator = models.BooleanField(default=False)
    is_approver = models.BooleanField(default=False)
    # Writes courses, quizzes and practice scenarios, runs sessions, reviews practice answers.
    is_trainer = models.BooleanField(default=False)
    is_admin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Opted in to answer customers (customer care): kept by care's CareAgent on save, so
    # that the app shell knows without a query whom to show the care inbox.
    answers_customers = models.BooleanField(default=False)
    program_status = models.CharField(
        max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.NOT_JOINED
    )
    program_status_changed_at = models.DateTimeField(null=True, blank=True)
    # Off: never named in top-member lists or exports others see (own figures stay visible).
    public_ranking = models.BooleanField(_("Show me in public rankings"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership")
        ]
        ordering = ["user__name", "user__email"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def roles(self) -> list[str]:
        return [role.value for role in Role if getattr(self, f"is_{role.value}")]

    @property
    def role_names(self) -> list[str]:
        return role_names(self.roles)

    def has_role(self, *roles: str) -> bool:
        """True when the member holds any of these roles (admins hold every role)."""
        if not self.is_active:
            return False
        return self.is_admin or any(getattr(self, f"is_{role}") for role in roles)

    @property
    def is_advocate(self) -> bool:
        """Whether anything may be done in this member's name (they joined and stayed)."""
        return self.is_active and self.program_status == ProgramStatus.JOINED


class GroupKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    REGION = "region", _("Region")
    LANGUAGE = "language", _("Language")
    # Translators: a group kind (any set of people, not a department, region or language).
    CUSTOM = "custom", _("Custom")
    # Made and filled by the organization's identity provider (SCIM): read-only in Chorus.
    PROVISIONED = "provisioned", _("From the identity provider")
    # The few volunteers a program starts with (one such group per organization, kept by
    # the pilot app): posts can reach them first, and the dashboard compares them.
    PILOT = "pilot", _("Pilot cohort")


# The kinds an admin creates on the groups page or through the API; the pilot cohort is
# made and filled by the pilot app (its members are volunteers who accepted).
CREATABLE_GROUP_KINDS = [
    GroupKind.DEPARTMENT,
    GroupKind.REGION,
    GroupKind.LANGUAGE,
    GroupKind.CUSTOM,
]


class Group(TenantModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(max_length=16, choices=GroupKind.choices, default=GroupKind.CUSTOM)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(Membership, related_name="groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "name"], name="unique_group")
        ]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ConsentAction(models.TextChoices):
    JOINED = "joined", _("Joined the program")
    LEFT = "left", _("Left the program")


class LeaveReason(models.TextChoices):
    """Why a member left, if they chose to say (never asked twice, never required)."""

    NO_TIME = "no_time", _("I don't have the time")
    NOT_COMFORTABLE = "not_comfortable", _("I'm not comfortable posting about work")
    NOT_RELEVANT = "not_relevant", _("The posts aren't relevant to my network")
    PRESSURED = "pressured", _("I felt pressured to share")
    PRIVACY = "privacy", _("I want to keep my accounts private")
    OTHER = "other", _("Another reason")


class ProgramConsent(TenantModel):
    """Each time a member joins or leaves the program, with the terms they saw."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=8, choices=ConsentAction.choices)
    # On leaving, the reason the member chose to give, or blank (they need not give one).
    reason = models.CharField(max_length=16, choices=LeaveReason.choices, blank=True)
    terms_version = models.PositiveIntegerField()
    terms_text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


# An invitation's status (computed, see Invitation.status) in words.
INVITATION_STATUSES: dict[str, Promise] = {
    "pending": _("Pending"),
    "expired": _("Expired"),
    "accepted": _("Accepted"),
    "revoked": _("Revoked"),
}


class Invitation(TenantModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=150, blank=True)
    roles = models.JSONField(default=list)
    groups = models.ManyToManyField(Group, related_name="+", blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def status_label(self) -> str:
        return str(INVITATION_STATUSES[self.status])

    @property
    def role_names(self) -> list[str]:
        return role_names(self.roles)


class ApiToken(TenantModel):
    """A personal API token. Only a SHA-256 of the secret is kept."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class MemberImport(TenantModel):
    """An uploaded CSV of people to invite: the parsed preview, then the result.

    `rows` holds every parsed row with its problems, so the admin reviews exactly what
    will be written before confirming.
    """

    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(default=list)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    invited_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    groups_created_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def valid_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if not row["errors"]]

    @property
    def bad_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["errors"]]
