"""Posts the communications team curates, the rules they must pass, and where they come from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel
from chorus.core.validators import MAX_URL_LENGTH, validate_web_url


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    THREADS = "threads", "Threads"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    XING = "xing", "Xing"


class CaptionMode(models.TextChoices):
    LOCKED = "locked", _("Locked: shared exactly as written")
    EDITABLE = "editable", _("Editable: members may adapt it within the rules")
    FREE = "free", _("Free: members write their own")


class PostState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    EXPIRED = "expired", _("Expired")
    ARCHIVED = "archived", _("Archived")


class PreviewStatus(models.TextChoices):
    NONE = "none", _("No link")
    PENDING = "pending", _("Fetching")
    OK = "ok", _("Fetched")
    FAILED = "failed", _("Could not fetch")


class Topic(TenantModel):
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_topic")
        ]

    def __str__(self) -> str:
        return self.name


class Post(TenantModel):
    title = models.CharField(max_length=200)
    commentary = models.TextField(blank=True, help_text=_("Context for members: why this matters."))
    link_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True, validators=[validate_web_url])
    caption_mode = models.CharField(
        max_length=10, choices=CaptionMode.choices, default=CaptionMode.EDITABLE
    )
    state = models.CharField(
        max_length=10, choices=PostState.choices, default=PostState.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(blank=True)

    # Open Graph preview of link_url, fetched in the background.
    preview_status = models.CharField(
        max_length=8, choices=PreviewStatus.choices, default=PreviewStatus.NONE
    )
    preview_error = models.CharField(max_length=300, blank=True)
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.TextField(blank=True)
    preview_image_url = models.URLField(max_length=2000, blank=True)
    preview_canonical_url = models.URLField(max_length=2000, blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_fetched_at = models.DateTimeField(null=True, blank=True)
    # The preview's image (preview_image_url), fetched once through the SSRF-safe client,
    # re-encoded by Pillow and served from our own origin (the CSP allows no other).
    preview_image = models.ImageField(upload_to="previews/", max_length=200, blank=True)
    preview_thumbnail = models.ImageField(upload_to="previews/", max_length=200, blank=True)
    preview_image_width = models.PositiveIntegerField(default=0)
    preview_image_height = models.PositiveIntegerField(default=0)
    preview_image_error = models.CharField(max_length=300, blank=True)

    # Targeting: everyone, or the members of any of these groups (and of these languages).
    target_all = models.BooleanField(default=True)
    target_groups = models.ManyToManyField(
        "accounts.Group", blank=True, related_name="targeted_posts"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="posts")
    publish_start = models.DateTimeField(null=True, blank=True)
    publish_end = models.DateTimeField(null=True, blank=True)
    # Pilot first, everyone later: until then the post reaches only the members of the
    # organization's pilot cohort (a Group of kind PILOT) within its audience.
    pilot_until = models.DateTimeField(null=True, blank=True)
    post_of_the_day = models.DateField(
        null=True, blank=True, help_text=_("The day this post is the coordinated daily action.")
    )
    requires_certification = models.BooleanField(default=False)
    campaign = models.CharField(max_length=100, blank=True, db_index=True)

    # Credit: the member whose suggestion became this post, or the feed item it came from.
    suggested_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "state", "publish_start"]),
            models.Index(fields=["organization", "publish_end"]),
            # The member's feed, newest first (chorus.sharing.selectors.feed.feed_page).
            models.Index(
                F("organization"),
                F("state"),
                Coalesce("publish_start", "created_at").desc(),
                F("id").desc(),
                name="post_feed_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "post_of_the_day"],
                condition=models.Q(post_of_the_day__isnull=False),
                name="one_post_of_the_day",
            ),
            models.CheckConstraint(
                condition=models.Q(publish_end__isnull=True)
                | models.Q(publish_start__isnull=True)
                | models.Q(publish_end__gt=models.F("publish_start")),
                name="publish_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def preview_image_version(self) -> str:
        """Changes with the stored image: the pages' ?v=, so a browser fetches a new one."""
        name = self.preview_image.name or ""
        return name.rsplit("/", 1)[-1].split(".", 1)[0][:12]

    @property
    def preview_thumbnail_width(self) -> int:
        """The thumbnail's width: the image's proportions within 600 by 1200 pixels."""
        width, height = self.preview_image_width, self.preview_image_height
        if not width or not height:
            return 0
        return round(width * min(1.0, 600 / width, 1200 / height))


class Caption(models.Model):
    """The suggested caption of a post for one network."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="captions")
    network = models.CharField(max_length=10, choices=Network.choices)
    text = models.TextField()

    class Meta:
        ordering = ["network"]
        constraints = [
            models.UniqueConstraint(fields=["post", "network"], name="one_caption_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()}: {self.text[:40]}"


def post_image_path(instance: PostImage, filename: str) -> str:
    return f"posts/{instance.post.organization_id}/{instance.post_id}/{filename}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=post_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class PostVersion(models.Model):
    """What a post said at each saved version: its history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    commentary = models.TextField(blank=True)
    link_url = models.URLField(max_length=2000, blank=True)
    captions = models.JSONField(default=dict)
    # Who it reaches, when, and with which images, as they were at this version (what an
    # approver compares). Versions saved before these were recorded have details_recorded
    # False: their audience, window and images are unknown, not empty.
    details_recorded = models.BooleanField(default=False)
    target_all = models.BooleanField(default=True)
    target_groups = models.JSONField(
        default=list, help_text="[{id, kind, name}] of the targeted groups at this version."
    )
    publish_start = models.DateTimeField(null=True, blank=True)
    publish_end = models.DateTimeField(null=True, blank=True)
    images = models.JSONField(default=list, help_text="[{id, name, alt_text}] at this version.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="unique_post_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class PostTransition(models.Model):
    """Each state change of a post, with who and why (also in the audit log)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=PostState.choices)
    to_state = models.CharField(max_length=10, choices=PostState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    # The post's version when it changed state: which version an approver approved or
    # rejected (None for changes recorded before versions were kept here).
    version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


# Compliance -------------------------------------------------------------------------


class RuleAction(models.TextChoices):
    BLOCK = "block", _("Block")
    WARN = "warn", _("Warn")


class RuleKind(models.TextChoices):
    BLOCKED_TERM = "blocked_term", _("Blocked term")
    DISCLOSURE = "disclosure", _("Required disclosure")
    ALLOWED_DOMAIN = "allowed_domain", _("Allowed link domain")
    DENIED_DOMAIN = "denied_domain", _("Denied link domain")


class ComplianceRule(TenantModel):
    """One rule. Length limits are not rows: they are the networks' own (ContentPolicy)."""

    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    value = models.CharField(
        max_length=300, help_text=_("The term, the disclosure text, or the domain.")
    )
    action = models.CharField(max_length=5, choices=RuleAction.choices, default=RuleAction.BLOCK)
    auto_append = models.BooleanField(
        default=False, help_text=_("Disclosures only: append it when a caption lacks it.")
    )
    note = models.CharField(max_length=300, blank=True, help_text=_("Why the rule exists."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "value"], name="unique_rule")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ContentPolicy(TenantModel):
    """Organization-wide switches of the content workflow (one row per organization)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="content_policy"
    )
    length_action = models.CharField(
        max_length=5, choices=RuleAction.choices, default=RuleAction.BLOCK
    )
    require_other_approver = models.BooleanField(
        default=True, help_text=_("Nobody approves their own post.")
    )
    route_edited_captions_to_approver = models.BooleanField(
        default=False,
        help_text=_(
            "A member's edited caption that breaks a rule goes to an approver instead of "
            "being refused."
        ),
    )
    publish_on_approval = models.BooleanField(
        default=False,
        help_text=_(
            "Approving a post publishes it: live now, or scheduled until its window starts."
        ),
    )


# Third-party content ----------------------------------------------------------------


class Source(TenantModel):
    """An RSS or Atom feed (or a web page advertising one) polled for new items."""

    url = models.URLField(
        max_length=MAX_URL_LENGTH,
        validators=[validate_web_url],
        help_text=_("The feed, or a page that links to it."),
    )
    feed_url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    enabled = models.BooleanField(default=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "url"]

    def __str__(self) -> str:
        return self.title or self.url


class ItemStatus(models.TextChoices):
    NEW = "new", _("New")
    USED = "used", _("Turned into a post")
    DISMISSED = "dismissed", _("Dismissed")


class SourceItem(TenantModel):
    """An entry of a feed, waiting in the curation queue."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    guid = models.CharField(max_length=1000)
    url = models.URLField(max_length=2000, blank=True)
    canonical_url = models.URLField(max_length=2000, blank=True, db_index=True)
    title = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True, help_text="Sanitized HTML.")
    image_url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ItemStatus.choices, default=ItemStatus.NEW, db_index=True
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "guid"], name="unique_item_per_source")
        ]

    def __str__(self) -> str:
        return self.title or self.url


# Employee suggestions ---------------------------------------------------------------


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a curator")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Suggestion(TenantModel):
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="suggestions"
    )
    url = models.URLField(max_length=MAX_URL_LENGTH, validators=[validate_web_url])
    reason = models.TextField(help_text=_("Why it matters to our audience."))
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decline_reason = models.TextField(blank=True)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url
