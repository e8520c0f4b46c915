"""An organization's Slack workspace, the channels it posts to, and its members' Slack accounts.

One workspace per organization, installed by an admin through OAuth ("Add to Slack"). Its bot
token is encrypted at rest. A workspace is never deleted: disconnecting it, uninstalling the
app or revoking its token sets ``revoked_at`` and forgets the token, and installing again in
the same Slack team brings its channels and its members' links back.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel
from chorus.notifications.messages import Category

# What a channel may receive: new posts announced by the communications team, and the post
# of the day. Crisis alerts are a switch of their own (`crisis_alerts`).
ROUTE_CATEGORIES = (Category.NEW_POST, Category.ANNOUNCEMENT, Category.POST_OF_THE_DAY)


class SlackWorkspace(TenantModel):
    team_id = models.CharField(max_length=32)
    team_name = models.CharField(max_length=200, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_token = EncryptedTextField(blank=True)
    # The bot scopes Slack granted, as Slack lists them ("chat:write,channels:read,...").
    scopes = models.CharField(max_length=1000, blank=True)
    installed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    installed_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why it stopped: disconnected by an admin, uninstalled in Slack, the token refused.
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_slack_workspace"),
        ]
        indexes = [models.Index(fields=["team_id"], name="slack_workspace_team")]

    def __str__(self) -> str:
        return self.team_name or self.team_id

    @property
    def is_connected(self) -> bool:
        return self.revoked_at is None and bool(self.bot_token)


class SlackChannelRoute(TenantModel):
    """A Slack channel Chorus posts to, and what it posts there."""

    workspace = models.ForeignKey(SlackWorkspace, on_delete=models.CASCADE, related_name="routes")
    channel_id = models.CharField(max_length=32)
    channel_name = models.CharField(max_length=200, blank=True)
    is_private = models.BooleanField(default=False)
    # `Category` values, among ROUTE_CATEGORIES.
    categories = models.JSONField(default=list, blank=True)
    # Crisis alerts go here (a private channel of the communications team): off by default.
    crisis_alerts = models.BooleanField(_("post crisis alerts here"), default=False)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Slack refused to post here for good (archived, deleted, the bot removed): nothing goes
    # here until an admin resumes it.
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["channel_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "channel_id"], name="one_slack_route"),
        ]

    def __str__(self) -> str:
        return f"#{self.channel_name or self.channel_id}"

    def receives(self, category: str) -> bool:
        return category in (self.categories or [])


class SlackMemberLink(TenantModel):
    """A member's own Slack account in the organization's workspace (for direct messages)."""

    workspace = models.ForeignKey(SlackWorkspace, on_delete=models.CASCADE, related_name="links")
    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="slack_link"
    )
    slack_user_id = models.CharField(max_length=32)
    # How Slack names them, shown on their page ("Linked to @ana in Acme").
    slack_name = models.CharField(max_length=200, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "slack_user_id"], name="one_member_per_slack_user"
            ),
        ]

    def __str__(self) -> str:
        return self.slack_name or self.slack_user_id
