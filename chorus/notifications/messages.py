"""What Chorus says to a member outside the app, before a channel gives it its shape.

A `Message` is written once, in the recipient's language, by whoever has something to say
(a notification, the digest, the post of the day, an announcement, a nudge); each channel
then renders it its own way: an email with HTML and text parts, Slack blocks, an Adaptive
Card for Teams, a Web Push payload. Links are absolute (the site's address), because they
are opened outside Chorus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    """Where a message can reach a member. Teams only posts to an organization's channels."""

    IN_APP = "in_app", pgettext_lazy("channel", "In the app")
    EMAIL = "email", pgettext_lazy("channel", "Email")
    SLACK = "slack", pgettext_lazy("channel", "Slack")
    TEAMS = "teams", pgettext_lazy("channel", "Microsoft Teams")
    PUSH = "push", pgettext_lazy("channel", "Phone and browser")


# The channels a member chooses between for each category (Teams reaches channels only).
MEMBER_CHANNELS = (Channel.IN_APP, Channel.EMAIL, Channel.SLACK, Channel.PUSH)


class Category(models.TextChoices):
    """The kinds of message a member chooses channels for, one row each in their settings."""

    DIGEST = "digest", _("Digest of new posts")
    POST_OF_THE_DAY = "post_of_the_day", _("The post of the day")
    ANNOUNCEMENT = "announcement", _("Posts announced by the communications team")
    NUDGE = "nudge", _("An invitation when I have not shared for a while")
    SHARES = "shares", _("My shares: failed, approved, returned")
    ACCOUNTS = "accounts", _("My connected accounts: lapsing or expired")
    REWARDS = "rewards", _("Points, badges and rewards")
    LEARNING = "learning", _("Training, certificates and sessions")
    CARE = "care", _("Customer care: conversations for me, escalations")
    PROGRAM = "program", _("Other news about the program")
    # Not a member's choice either (members have the digest): what an organization's
    # channels (Slack channels, Teams webhooks) receive as each post for everyone goes live.
    NEW_POST = "new_post", _("New posts for everyone, as they go live")
    # Not a member's choice: an admin's "send a test", and what concerns a member's own data
    # (sent even after they left the program or were deactivated).
    TEST = "test", _("Test messages")
    OWN_DATA = "own_data", _("My personal data")


@dataclass(frozen=True)
class Action:
    """A button: a label and the absolute address it opens (never one that acts by itself)."""

    label: str
    url: str


@dataclass(frozen=True)
class Item:
    """One thing in a message: a post in the digest, the post of the day, an announced post."""

    title: str
    text: str = ""
    url: str = ""
    image_url: str = ""
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Message:
    """What to say, already in the recipient's language.

    ``subject`` is the email subject, the push title and the first line elsewhere;
    ``intro`` the paragraph under it; ``items`` the posts it is about; ``url`` where a tap
    on the whole message goes (push, the Slack and Teams title); ``actions`` the buttons
    under the intro. The delivery engine sets ``unsubscribe_url`` (one click, no sign-in:
    stops this category on this channel) and ``preferences_url`` per recipient.
    """

    category: str
    subject: str
    intro: str = ""
    items: tuple[Item, ...] = ()
    url: str = ""
    actions: tuple[Action, ...] = ()
    footer: str = ""
    unsubscribe_url: str = ""
    preferences_url: str = ""
    # The organization's look (emails): its name, absolute logo address, accent colour.
    organization_name: str = ""
    logo_url: str = ""
    accent_color: str = ""
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict)
