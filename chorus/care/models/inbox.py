"""The inbox: conversations (one per thread on a network, or per pushed or entered
case) and their messages, tags for product areas, and members' saved views."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel


class ConversationStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("conversation status", "New")
    ASSIGNED = "assigned", pgettext_lazy("conversation status", "Assigned")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    ANSWERED = "answered", pgettext_lazy("conversation status", "Answered")
    CLOSED = "closed", pgettext_lazy("conversation status", "Closed")
    ESCALATED = "escalated", pgettext_lazy("conversation status", "Escalated")


# Statuses in which a conversation still needs someone (routing and load count these).
OPEN_STATUSES = (
    ConversationStatus.NEW,
    ConversationStatus.ASSIGNED,
    ConversationStatus.AWAITING_APPROVAL,
)


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("priority", "Low")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    HIGH = "high", pgettext_lazy("priority", "High")
    URGENT = "urgent", pgettext_lazy("priority", "Urgent")


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Origin(models.TextChoices):
    SOURCE = "source", _("Listening source")
    WEBHOOK = "webhook", _("Inbound webhook")
    MEMBER = "member", _("Sent to care by a member")
    MANUAL = "manual", _("Entered by hand")


class CareTag(TenantModel):
    """A product area (billing, delivery, app...): conversations and agents carry them,
    and routing matches them."""

    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="care_tag_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Conversation(TenantModel):
    network = models.CharField(max_length=20, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SOURCE)
    source = models.ForeignKey(
        "care.CareSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The thread's key on its network ("mastodon:<root status url>", "bluesky:<root uri>",
    # "x:<conversation id>", "webhook:<external id>"): replies in a thread join its
    # conversation. Empty for a case entered by hand.
    thread_key = models.CharField(max_length=600, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    customer_handle = models.CharField(_("customer"), max_length=300, blank=True)
    customer_name = models.CharField(max_length=300, blank=True)
    customer_url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # -1 (negative) to 1 (positive) where a sentiment reader served; None otherwise.
    sentiment = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ConversationStatus.choices, default=ConversationStatus.NEW
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    tags = models.ManyToManyField(CareTag, blank=True, related_name="conversations")
    # Routed to (or taken by) this member; the claim locks it while they answer.
    assignee = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_assigned",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_claimed",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Who sent it to care or entered it (a member), if anyone.
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The clock: the customer's first message, our first public answer, when it was done,
    # and the targets (from the settings' per-priority minutes) it is measured against.
    opened_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    breach_warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_note = models.TextField(blank=True)
    escalation_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "thread_key"],
                condition=~Q(thread_key=""),
                name="care_one_conversation_per_thread",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-last_message_at"]),
            models.Index(fields=["organization", "assignee", "status"]),
            models.Index(fields=["organization", "-last_message_at", "-id"]),
        ]

    def __str__(self) -> str:
        return self.subject or self.customer_handle or f"#{self.pk}"


class MessageDirection(models.TextChoices):
    CUSTOMER = "in", _("From the customer")
    REPLY = "out", _("Our reply")
    NOTE = "note", _("Internal note")


class Message(TenantModel):
    """One post in a conversation's thread (the customer's, or a reply we published), or an
    internal note only the team sees."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(
        max_length=4, choices=MessageDirection.choices, default=MessageDirection.CUSTOMER
    )
    network = models.CharField(max_length=20, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=2000, blank=True)
    parent_remote_id = models.CharField(max_length=300, blank=True)
    root_remote_id = models.CharField(max_length=300, blank=True)
    # What replying needs besides the id (Bluesky cids and the root's uri).
    extra = models.JSONField(default=dict, blank=True)
    author_handle = models.CharField(max_length=300, blank=True)
    author_name = models.CharField(max_length=300, blank=True)
    # The member who wrote a reply or a note.
    membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    posted_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "network", "remote_id"],
                condition=~Q(remote_id=""),
                name="care_message_once",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class SavedView(TenantModel):
    """A member's named inbox filter (the query string of the inbox's filters)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="care_views"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
