"""What an approver needs to decide on a post: who it reaches and when, the rules' verdict
on each caption, and what changed since the version an approver last decided on."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chorus.accounts.models import GroupKind, Organization, User
from chorus.content.compliance import CheckResult
from chorus.content.models import Network, Post, PostState, PostTransition, PostVersion
from chorus.content.selectors.posts import post_audience, post_caption_checks

# The states an approver's decision leaves a post in.
DECISIONS = (PostState.APPROVED, PostState.REJECTED)


@dataclass(frozen=True)
class Audience:
    everyone: bool
    groups: list[dict[str, Any]]  # {"id", "kind", "name"}, by kind then name
    members: int  # active members reached now


@dataclass(frozen=True)
class Window:
    start: datetime | None
    end: datetime | None
    post_of_the_day: date | None
    # What publishing it now does: "now" (live at once), "scheduled" (live when the window
    # starts) or "over" (the window ended: it can't be published).
    outcome: str


@dataclass(frozen=True)
class Change:
    """One thing that differs between the baseline version and the post as it is now."""

    field: str  # title, commentary, link_url, caption, images, audience, window
    network: str  # the caption's network, "" for the other fields
    label: str
    before: str
    after: str
    # The difference as pieces to show in a row: ("same" | "add" | "del", text).
    pieces: list[tuple[str, str]]


@dataclass(frozen=True)
class Baseline:
    """The version an approver last decided on, and that decision."""

    version: int
    decision: str  # "approved" or "rejected"
    decided_by: User | None
    decided_at: datetime
    # False for versions saved before audience, window and images were kept with them.
    details_recorded: bool


@dataclass(frozen=True)
class PostReview:
    post: Post
    audience: Audience
    window: Window
    checks: dict[str, CheckResult]
    baseline: Baseline | None
    changes: list[Change] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(result.blocked for result in self.checks.values())

    @property
    def warned(self) -> bool:
        return any(result.findings for result in self.checks.values())


def post_review(*, organization: Organization, post: Post) -> PostReview:
    """Everything an approver sees about `post` (which must belong to `organization`)."""
    if post.organization_id != organization.pk:
        raise ValueError("The post belongs to another organization.")
    groups = [
        {"id": group.pk, "kind": group.get_kind_display(), "name": group.name}
        for group in sorted(post.target_groups.all(), key=lambda group: (group.kind, group.name))
    ]
    audience = Audience(
        everyone=post.target_all,
        groups=[] if post.target_all else groups,
        members=post_audience(post).count(),
    )
    baseline, version = _baseline(post)
    changes = _changes(version, _content_of_post(post, audience)) if version is not None else []
    return PostReview(
        post=post,
        audience=audience,
        window=post_window(post),
        checks=post_caption_checks(post=post),
        baseline=baseline,
        changes=changes,
    )


def post_window(post: Post) -> Window:
    now = timezone.now()
    if post.publish_end is not None and post.publish_end <= now:
        outcome = "over"
    elif post.publish_start is not None and post.publish_start > now:
        outcome = "scheduled"
    else:
        outcome = "now"
    return Window(
        start=post.publish_start,
        end=post.publish_end,
        post_of_the_day=post.post_of_the_day,
        outcome=outcome,
    )


def _baseline(post: Post) -> tuple[Baseline | None, PostVersion | None]:
    decision = (
        PostTransition.objects.filter(post=post, to_state__in=DECISIONS, version__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if decision is None or decision.version is None:
        return None, None
    version = PostVersion.objects.filter(post=post, number=decision.version).first()
    if version is None:
        return None, None
    baseline = Baseline(
        version=version.number,
        decision=decision.to_state,
        decided_by=decision.actor,
        decided_at=decision.created_at,
        details_recorded=version.details_recorded,
    )
    return baseline, version


# Comparing ----------------------------------------------------------------------------


def _when(moment: datetime | None, missing: str) -> str:
    if moment is None:
        return missing
    # Translators: a date format (see Django's date filter): "4 Dec 2026 20:57".
    return date_format(timezone.localtime(moment), pgettext("date format", "j M Y H:i"))


def _kind_label(kind: str) -> str:
    """A group kind in the reader's language, from its code, or from the English label older
    versions stored (a label already translated stays as it is)."""
    for value, label in GroupKind.choices:
        with translation.override("en"):
            english = str(label)
        if kind in (value, english):
            return str(label)
    return kind


def _audience_lines(everyone: bool, groups: list[dict[str, Any]]) -> list[str]:
    if everyone:
        return [_("Everyone")]
    return [
        f"{_kind_label(str(group.get('kind', '')))}: {group.get('name', '')}" for group in groups
    ]


def _window_lines(start: datetime | None, end: datetime | None) -> list[str]:
    return [
        _("Starts: %(when)s") % {"when": _when(start, _("when published"))},
        _("Ends: %(when)s") % {"when": _when(end, _("no end"))},
    ]


def _image_lines(images: list[dict[str, Any]]) -> list[str]:
    lines = []
    for image in images:
        alt_text = str(image.get("alt_text") or "")
        if alt_text:
            lines.append(_("Image #%(id)s: “%(alt)s”") % {"id": image.get("id"), "alt": alt_text})
        else:
            lines.append(_("Image #%(id)s, without a description") % {"id": image.get("id")})
    return lines


def _content_of_post(post: Post, audience: Audience) -> dict[str, Any]:
    return {
        "title": post.title,
        "commentary": post.commentary,
        "link_url": post.link_url,
        "captions": {caption.network: caption.text for caption in post.captions.all()},
        "audience": _audience_lines(audience.everyone, audience.groups),
        "window": _window_lines(post.publish_start, post.publish_end),
        "images": _image_lines(
            [
                {"id": image.pk, "alt_text": image.alt_text}
                for image in post.images.order_by("position", "id")
            ]
        ),
    }


def _content_of_version(version: PostVersion) -> dict[str, Any]:
    captions = version.captions if isinstance(version.captions, dict) else {}
    content: dict[str, Any] = {
        "title": version.title,
        "commentary": version.commentary,
        "link_url": version.link_url,
        "captions": {str(network): str(text) for network, text in captions.items()},
    }
    if version.details_recorded:
        groups = version.target_groups if isinstance(version.target_groups, list) else []
        images = version.images if isinstance(version.images, list) else []
        content["audience"] = _audience_lines(version.target_all, groups)
        content["window"] = _window_lines(version.publish_start, version.publish_end)
        content["images"] = _image_lines(images)
    return content


def _changes(version: PostVersion, now: dict[str, Any]) -> list[Change]:
    before = _content_of_version(version)
    changes = []
    for name, label in (
        ("title", _("Title")),
        ("commentary", _("Commentary")),
        ("link_url", _("Link")),
    ):
        if before[name] != now[name]:
            changes.append(_text_change(name, "", str(label), before[name], now[name]))
    labels = dict(Network.choices)
    for network in Network.values:
        old = before["captions"].get(network, "")
        new = now["captions"].get(network, "")
        if old != new:
            label = _("Caption for %(network)s") % {"network": labels[network]}
            changes.append(_text_change("caption", network, label, old, new))
    # Versions saved before these were kept with them can't say what changed there.
    for name, label in (
        ("images", _("Images")),
        ("audience", _("Audience")),
        ("window", _("Window")),
    ):
        if name in before and before[name] != now[name]:
            changes.append(_lines_change(name, str(label), before[name], now[name]))
    return changes


# Whole words (and punctuation), each with the spaces before it: spaces alone would match
# everywhere and cut a rewritten sentence into confetti.
_TOKENS = re.compile(r"\s*\w+|\s*[^\w\s]|\s+", re.UNICODE)
# Below this share of tokens in common, a text reads better replaced whole.
MIN_SIMILARITY = 0.4


def _text_change(name: str, network: str, label: str, old: str, new: str) -> Change:
    pieces = _pieces(_TOKENS.findall(old), _TOKENS.findall(new))
    return Change(field=name, network=network, label=label, before=old, after=new, pieces=pieces)


def _lines_change(name: str, label: str, old: list[str], new: list[str]) -> Change:
    pieces = _pieces([line + "\n" for line in old], [line + "\n" for line in new])
    return Change(
        field=name,
        network="",
        label=label,
        before="\n".join(old),
        after="\n".join(new),
        pieces=pieces,
    )


# Past this many tokens a side, the texts are shown as replaced whole: comparing them token
# by token can take quadratic time.
MAX_DIFF_TOKENS = 3000


def _pieces(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """The tokens of `old` and `new` as kept, removed and added runs, in reading order."""
    pieces: list[tuple[str, str]] = []

    def add(kind: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + text)
        else:
            pieces.append((kind, text))

    if len(old) > MAX_DIFF_TOKENS or len(new) > MAX_DIFF_TOKENS:
        add("del", old)
        add("add", new)
        return pieces
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    if old and new and matcher.ratio() < MIN_SIMILARITY:
        add("del", old)
        add("add", new)
        return pieces
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            add("same", old[old_start:old_end])
        else:
            add("del", old[old_start:old_end])
            add("add", new[new_start:new_end])
    return pieces
