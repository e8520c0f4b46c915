"""What a member is offered to share on one network, and whether what they wrote may go out.

INTERFACE (stable, also used by publishing and auto-share): `share_compose`,
`share_check`, `ShareVerdict`, `suggested_caption`, `text_fingerprint`, `offered_fingerprint`.

The suggestion is the post's caption for the network; a network without one of its own
starts from the post's general caption (WhatsApp and email borrow LinkedIn's, see
CAPTION_FALLBACK; the others the first caption, in the dialog's order, that leaves room for
the link within the network's limit). A FREE post suggests nothing but the link. The
member's own tracked link replaces the post's link, or is appended. Disclosures the organization
appends automatically are part of the suggestion, so what the member sees is what goes out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.content.compliance import (
    NETWORK_LIMITS,
    CheckResult,
    Finding,
    check_text,
    network_length,
)
from chorus.content.models import CaptionMode, ComplianceRule, ContentPolicy, Post, RuleKind
from chorus.links.models import Link
from chorus.links.services.links import link_mint, short_url, short_url_base
from chorus.networks.intents import text_with_url
from chorus.networks.registry import CAPTION_FALLBACK, CHANNELS

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Room kept for the tracked link when a borrowed caption is chosen for its length.
LINK_ROOM = 40


def suggested_caption(*, post: Post, network: str) -> str:
    """The caption the post suggests for `network`, without any link swapped in.

    Uses the prefetched `post.captions` when there is one (the feed loads them in bulk).
    """
    if network not in CHANNELS:
        raise ValueError(f"Unknown network: {network}.")
    if post.caption_mode == CaptionMode.FREE:
        return ""
    by_network = {caption.network: caption.text for caption in post.captions.all()}
    if network in by_network:
        return by_network[network]
    fallback = CAPTION_FALLBACK.get(network, "")
    if fallback in by_network:
        return by_network[fallback]
    return general_caption(by_network, network=network)


def general_caption(by_network: dict[str, str], *, network: str) -> str:
    """The caption a network without its own borrows: the first, in the dialog's order,
    that fits the network with room for the link (else the first at all)."""
    ordered = [by_network[name] for name in CHANNELS if by_network.get(name, "").strip()]
    limit = NETWORK_LIMITS.get(network, 3000)
    for text in ordered:
        if network_length(network, text) + LINK_ROOM <= limit:
            return text
    return ordered[0] if ordered else ""


def with_link(text: str, *, link_url: str, tracked_url: str) -> str:
    """The text with the post's link replaced by the tracked one, or the tracked one appended."""
    if link_url and link_url in text:
        return text.replace(link_url, tracked_url)
    return text_with_url(text, tracked_url)


def text_fingerprint(text: str) -> str:
    """A short hash of a share's words: links and spacing left out, so the same words with
    each member's own tracked link give the same fingerprint ("" for no words at all).

    Stored on Share (text_hash) to count colleagues who posted exactly this text cheaply;
    chorus/sharing/migrations/0004 keeps a copy of this rule for the backfill.
    """
    words = " ".join(_URL.sub(" ", text).split())
    if not words:
        return ""
    return hashlib.sha256(words.encode()).hexdigest()[:32]


def offered_fingerprint(*, post: Post, network: str) -> str:
    """The fingerprint of the text the dialog offers for `network` (its caption with any
    disclosure appended): a share with another fingerprint is in the member's own words."""
    caption = suggested_caption(post=post, network=network)
    if caption.strip():
        caption = check_text(
            organization=post.organization, network=network, text=caption, link_url=post.link_url
        ).text
    return text_fingerprint(caption)


def share_compose(*, post: Post, membership: Membership, network: str) -> tuple[str, Link | None]:
    """The suggested text for `network` with the member's tracked link, and that link.

    The link is None only when the post has no link to track (the text is then the
    caption alone). Raises ValidationError when the member cannot share the post.
    """
    caption = suggested_caption(post=post, network=network)
    link: Link | None = None
    if post.link_url:
        link = link_mint(post=post, membership=membership, network=network)
        caption = with_link(caption, link_url=post.link_url, tracked_url=short_url(link))
    if caption.strip():
        # Disclosures the organization appends automatically belong to the suggestion.
        caption = check_text(
            organization=post.organization, network=network, text=caption, link_url=post.link_url
        ).text
    return caption, link


@dataclass(frozen=True)
class ShareVerdict:
    """The compliance verdict on a member's text for one network."""

    check: CheckResult
    # The post's caption is locked and the text differs from it (links apart).
    locked_changed: bool = False
    # The member's tracked link, when the check was told it ("" when not, or no link).
    tracked_url: str = ""

    @property
    def text(self) -> str:
        """What will be shared: the member's text, with any auto-appended disclosure."""
        return self.check.text

    @property
    def length(self) -> int:
        return self.check.length

    @property
    def limit(self) -> int:
        return self.check.limit

    @property
    def findings(self) -> list[Finding]:
        return self.check.findings

    @property
    def blocked(self) -> bool:
        return self.locked_changed or self.check.blocked

    @property
    def messages(self) -> list[str]:
        locked = [_("This post's caption is locked: share it as written.")]
        return (locked if self.locked_changed else []) + [f.message for f in self.findings]

    @property
    def link_missing(self) -> bool:
        """The member took their tracked link out of the text (a warning, not a block)."""
        return bool(self.tracked_url) and self.tracked_url not in self.text


def _without_links(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def _is_our_link(finding: Finding, base: str) -> bool:
    """A domain finding about the member's own tracked link (it leads to the post's link)."""
    domain_rules = (RuleKind.ALLOWED_DOMAIN, RuleKind.DENIED_DOMAIN)
    return finding.rule in domain_rules and finding.text.startswith(base + "/l/")


def share_check(
    *,
    post: Post,
    network: str,
    text: str,
    rules: Sequence[ComplianceRule] | None = None,
    policy: ContentPolicy | None = None,
    tracked_url: str = "",
) -> ShareVerdict:
    """Check a member's text for `network`: rules, disclosure, length, locked captions.

    The post's link is checked as the destination (the tracked short link in the text
    leads there, so its own domain is not held against it). `rules` and `policy` may be
    passed when already loaded. With `tracked_url` (the member's short link), the verdict
    also says whether the text still carries it (`link_missing`).
    """
    if network not in CHANNELS:
        raise ValueError(f"Unknown network: {network}.")
    if rules is None:
        rules = list(ComplianceRule.objects.filter(organization_id=post.organization_id))
    check = check_text(
        organization=post.organization,
        network=network,
        text=text,
        link_url=post.link_url,
        rules=rules,
        policy=policy,
    )
    base = short_url_base(organization_id=post.organization_id)
    check.findings = [finding for finding in check.findings if not _is_our_link(finding, base)]
    locked_changed = False
    if post.caption_mode == CaptionMode.LOCKED:
        caption = suggested_caption(post=post, network=network)
        with_disclosure = check_text(
            organization=post.organization, network=network, text=caption, rules=rules
        ).text
        written = _without_links(text)
        locked_changed = written not in (_without_links(caption), _without_links(with_disclosure))
    return ShareVerdict(check=check, locked_changed=locked_changed, tracked_url=tracked_url)
