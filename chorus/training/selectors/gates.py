"""Gates: what a member may do only with a certification (or an acknowledged policy).

`gate_check` decides one thing a member is about to do, in one database query:

- `GateAction.JOIN`: joining the advocacy program (actions.members.member_join_program).
- `GateAction.SHARE`: any share. With `network` the NETWORK gates of that network apply
  too, and with `post` the SENSITIVE gates of the post's campaign, of its topics, and (when
  the post is marked "requires certification") the ones naming neither.
- `GateAction.AUTO_SHARE`: turning auto-share on and each share it makes; the SHARE gates
  (and, with `network`/`post`, the network and sensitive ones) apply as well.
- `GateAction.CARE`: answering customers. The customer care feature (issue 16) calls
  `gate_require(membership=..., action=GateAction.CARE)` before a member answers, and
  shows `gate_check(...)`'s reasons and links where the member would answer.

While an admin paused all sharing (a crisis: `sharing/services/pause.py`), SHARE and
AUTO_SHARE (and their NETWORK and SENSITIVE parts) are refused with the pause's reason, a
block without a link (nothing the member can do fixes it). JOIN and CARE go on. The
organization comes loaded with the membership, so this costs no query.

A gate is met when the member holds a valid certificate of its certification (not revoked,
issued, not expired) and, for a gate that requires the policy, acknowledged the
organization's latest policy version (none published: nothing to acknowledge, met).

`gates_for_member` loads what a page showing many posts (the feed) needs once, then
decides each post in Python (`MemberGates.verdict`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Network, Post
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    CourseCompletion,
    CourseState,
    Gate,
    GateAction,
    PolicyAcknowledgement,
    PolicyVersion,
)

# The actions a gate check asks about; NETWORK and SENSITIVE gates are parts of sharing.
SHARING_ACTIONS = (GateAction.SHARE, GateAction.AUTO_SHARE)


@dataclass(frozen=True)
class GateBlock:
    """One thing missing: why, in the member's words, and the one link that fixes it
    (none for the sharing pause: `fix_url` and `fix_label` are empty)."""

    gate_id: int
    reason: str
    fix_url: str
    fix_label: str


# The gate_id of the sharing pause's block (it is no Gate row).
PAUSE_GATE_ID = 0


@dataclass(frozen=True)
class GateVerdict:
    allowed: bool
    blocks: tuple[GateBlock, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [block.reason for block in self.blocks]

    @property
    def first(self) -> GateBlock | None:
        return self.blocks[0] if self.blocks else None

    def as_error(self) -> dict[str, Any]:
        """The API's refusal body (403): the reasons and the links that fix them."""
        return {
            "detail": " ".join(self.reasons),
            "gates": [
                {"reason": block.reason, "fix_url": block.fix_url, "fix_label": block.fix_label}
                for block in self.blocks
            ],
        }


ALLOWED = GateVerdict(allowed=True)


class GateRefused(ValidationError):
    """A gate refused: pages show the verdict's reasons and links, the API answers 403."""

    def __init__(self, verdict: GateVerdict) -> None:
        super().__init__(verdict.reasons)
        self.verdict = verdict


# Links ------------------------------------------------------------------------------


def _url(*names: str, args: Iterable[Any] = ()) -> str:
    for name in names:
        try:
            return reverse(name, args=list(args))
        except NoReverseMatch:
            continue
    return reverse("learning")


def policy_url() -> str:
    return _url("policy")


def certificates_url() -> str:
    """The member's certificates and what each still needs."""
    for name in ("my_certificates", "certificates", "learning_certificates"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/learning/certificates/"


def course_url(course_id: int) -> str:
    return _url("course_detail", args=[course_id])


# What a gate is about, in plain words ----------------------------------------------


def network_label(network: str) -> str:
    return str(Network(network).label) if network in Network.values else network


def gate_subject(gate: Gate) -> str:
    """What the gate guards, as a sentence's subject: "Sharing to X"."""
    action = gate.action
    if action == GateAction.JOIN:
        return _("Joining the advocacy program")
    if action == GateAction.SHARE:
        return _("Sharing")
    if action == GateAction.NETWORK:
        return _("Sharing to %(network)s") % {"network": network_label(gate.network)}
    if action == GateAction.SENSITIVE:
        if gate.campaign:
            return _("Sharing posts of the campaign “%(campaign)s”") % {"campaign": gate.campaign}
        if gate.topic_id is not None:
            return _("Sharing posts about “%(topic)s”") % {"topic": gate.topic.name}  # type: ignore[union-attr]
        return _("Sharing posts marked “only certified members may share”")
    if action == GateAction.AUTO_SHARE:
        return _("Auto-share")
    return _("Answering customers")


def gate_needs(gate: Gate) -> list[str]:
    """What the gate asks for: the certification's name, the policy."""
    needs = []
    if gate.certification_id is not None:
        needs.append(
            _("the certification “%(certification)s”") % {"certification": gate.certification.name}  # type: ignore[union-attr]
        )
    if gate.requires_policy:
        needs.append(_("the current social media policy acknowledged"))
    return needs


def gate_sentence(gate: Gate) -> str:
    """The gate in plain words: "Sharing to X needs: the certification “Social media”"."""
    return _("%(subject)s needs: %(needs)s") % {
        "subject": gate_subject(gate),
        "needs": _(" and ").join(gate_needs(gate)),
    }


def _certification_block(gate: Gate, fix_course: tuple[int, str] | None) -> GateBlock:
    name = gate.certification.name  # type: ignore[union-attr]
    reason = _("%(subject)s needs the certification “%(certification)s”.") % {
        "subject": gate_subject(gate),
        "certification": name,
    }
    if fix_course is not None:
        course_id, title = fix_course
        return GateBlock(
            gate.pk, reason, course_url(course_id), _("Take “%(course)s”") % {"course": title}
        )
    return GateBlock(
        gate.pk,
        reason,
        certificates_url(),
        _("See what “%(certification)s” still needs") % {"certification": name},
    )


def _policy_block(gate: Gate) -> GateBlock:
    reason = _("%(subject)s needs you to acknowledge the current social media policy.") % {
        "subject": gate_subject(gate)
    }
    return GateBlock(gate.pk, reason, policy_url(), _("Read and acknowledge the policy"))


def pause_block(membership: Membership, action: str) -> GateBlock | None:
    """The sharing pause's block when the organization paused sharing and `action` is a
    share (SHARE, AUTO_SHARE, NETWORK, SENSITIVE); None otherwise."""
    if _action(action) not in SHARING_ACTIONS:
        return None
    organization = membership.organization
    if organization.sharing_paused_at is None:
        return None
    reason = organization.sharing_pause_reason
    if reason:
        text = _("Sharing is paused: %(reason)s") % {"reason": reason}
    else:
        text = _("Sharing is paused.")
    return GateBlock(PAUSE_GATE_ID, text, "", "")


# Which gates apply ------------------------------------------------------------------


def _topic_ids(post: Post) -> list[int] | QuerySet[Any] | None:
    """The post's topic ids: from prefetched topics, else a subquery (same query)."""
    cache = getattr(post, "_prefetched_objects_cache", {})
    if "topics" in cache:
        return [topic.pk for topic in cache["topics"]]
    if post.pk is None:
        return None
    return Post.topics.through.objects.filter(post_id=post.pk).values("topic_id")


def _action(action: str) -> str:
    """NETWORK and SENSITIVE gates are parts of sharing: asking for them asks for a share."""
    return GateAction.SHARE if action in (GateAction.NETWORK, GateAction.SENSITIVE) else action


def _applicable(action: str, network: str, post: Post | None) -> Q:
    action = _action(action)
    if action not in SHARING_ACTIONS:
        return Q(action=action)
    which = Q(action=GateAction.SHARE)
    if action == GateAction.AUTO_SHARE:
        which |= Q(action=GateAction.AUTO_SHARE)
    if network:
        which |= Q(action=GateAction.NETWORK, network=network)
    if post is not None:
        sensitive = Q(pk__in=[])
        if post.campaign:
            sensitive |= Q(campaign=post.campaign)
        topics = _topic_ids(post)
        if topics is not None and (not isinstance(topics, list) or topics):
            sensitive |= Q(topic_id__in=topics)
        if post.requires_certification:
            sensitive |= Q(campaign="", topic__isnull=True)
        which |= Q(action=GateAction.SENSITIVE) & sensitive
    return which


def _valid_certificates(membership: Membership, now: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        organization_id=membership.organization_id,
        membership_id=membership.pk,
        revoked_at__isnull=True,
        issued_at__lte=now,
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _latest_policy_version(membership: Membership) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(organization_id=membership.organization_id).order_by(
        "-number", "-published_at", "-pk"
    )


def _policy_acknowledged(membership: Membership) -> Exists:
    latest = _latest_policy_version(membership).values("pk")[:1]
    return Exists(
        PolicyAcknowledgement.objects.filter(
            organization_id=membership.organization_id,
            membership_id=membership.pk,
            version_id=Subquery(latest),
        )
    )


def _unfinished_courses(membership: Membership) -> QuerySet[Course]:
    """Published courses the member has not completed at their current major version."""
    done = CourseCompletion.objects.filter(
        organization_id=membership.organization_id,
        membership_id=membership.pk,
        course_id=OuterRef("pk"),
        major_version=OuterRef("major_version"),
    )
    return Course.objects.filter(
        organization_id=membership.organization_id, state=CourseState.PUBLISHED
    ).exclude(Exists(done))


def _retake_courses(certification: Any, *, nested: Any = None) -> QuerySet[Course]:
    """What renews a certification whose courses are all done (the certificate expired or
    was revoked): its refresher courses, or its required courses when none is marked.
    `certification` is an id or an OuterRef; inside a subquery, `nested` is the same
    reference one level further out (for the test "has refresher courses")."""
    marked = Certification.refresher_courses.through.objects.filter(
        certification_id=certification if nested is None else nested
    )
    return Course.objects.filter(state=CourseState.PUBLISHED).filter(
        Q(refresher_for=certification) | (Q(certifications=certification) & ~Exists(marked))
    )


def gate_check(
    *, membership: Membership, action: str, network: str = "", post: Post | None = None
) -> GateVerdict:
    """Whether the member may do `action` (see the module's docstring), in one query.

    For a post, pass it with its topics prefetched (`prefetch_related("topics")`) or not:
    either way the topics are part of the same query.
    """
    paused = pause_block(membership, action)
    if paused is not None:
        # Nothing else matters while sharing is paused (and no query is needed to say so).
        return GateVerdict(allowed=False, blocks=(paused,))
    now = timezone.now()
    first_course = _unfinished_courses(membership).filter(
        certifications=OuterRef("certification_id")
    )
    retake = _retake_courses(
        OuterRef("certification_id"), nested=OuterRef(OuterRef("certification_id"))
    ).order_by("-required", "title", "pk")
    gates = (
        Gate.objects.filter(organization_id=membership.organization_id)
        .filter(_applicable(action, network, post))
        .select_related("certification", "topic")
        .annotate(
            certified=Exists(
                _valid_certificates(membership, now).filter(
                    certification_id=OuterRef("certification_id")
                )
            ),
            policy_published=Exists(_latest_policy_version(membership)),
            policy_acknowledged=_policy_acknowledged(membership),
            fix_course_id=Subquery(first_course.values("pk")[:1]),
            fix_course_title=Subquery(first_course.values("title")[:1]),
            # Certified before (expired, revoked): renewing takes retaking a course.
            held_before=Exists(
                Certificate.objects.filter(
                    organization_id=membership.organization_id,
                    membership_id=membership.pk,
                    certification_id=OuterRef("certification_id"),
                )
            ),
            retake_course_id=Subquery(retake.values("pk")[:1]),
            retake_course_title=Subquery(retake.values("title")[:1]),
        )
        .order_by("action", "pk")
    )
    blocks: list[GateBlock] = []
    for gate in gates:
        if gate.certification_id is not None and not gate.certified:  # type: ignore[attr-defined]
            fix: tuple[int, str] | None = None
            if gate.fix_course_id is not None:  # type: ignore[attr-defined]
                fix = (gate.fix_course_id, gate.fix_course_title)  # type: ignore[attr-defined]
            elif gate.held_before and gate.retake_course_id is not None:  # type: ignore[attr-defined]
                fix = (gate.retake_course_id, gate.retake_course_title)  # type: ignore[attr-defined]
            blocks.append(_certification_block(gate, fix))
        if (
            gate.requires_policy
            and gate.policy_published  # type: ignore[attr-defined]
            and not gate.policy_acknowledged  # type: ignore[attr-defined]
        ):
            blocks.append(_policy_block(gate))
    return GateVerdict(allowed=not blocks, blocks=_unique(blocks))


def _unique(blocks: list[GateBlock]) -> tuple[GateBlock, ...]:
    """One line per reason (two gates asking for the same thing read as one)."""
    seen: set[str] = set()
    kept = []
    for block in blocks:
        if block.reason not in seen:
            seen.add(block.reason)
            kept.append(block)
    return tuple(kept)


def gate_require(
    *, membership: Membership, action: str, network: str = "", post: Post | None = None
) -> GateVerdict:
    """`gate_check`, raising GateRefused (a ValidationError) when something is missing."""
    verdict = gate_check(membership=membership, action=action, network=network, post=post)
    if not verdict.allowed:
        raise GateRefused(verdict)
    return verdict


# Many posts at once -----------------------------------------------------------------


def _post_topic_ids(post: Post) -> set[int]:
    """The post's topic ids, read once per post (prefetch `topics` for many posts)."""
    found: set[int] | None = getattr(post, "_gate_topic_ids", None)
    if found is None:
        found = {topic.pk for topic in post.topics.all()}
        setattr(post, "_gate_topic_ids", found)  # noqa: B010
    return found


@dataclass
class MemberGates:
    """A member's gates, loaded once: decide any number of posts without more queries
    (give posts with their topics prefetched)."""

    gates: list[Gate]
    certified: set[int]  # certification ids the member holds a valid certificate of
    policy_met: bool
    fix_courses: dict[int, tuple[int, str]] = field(default_factory=dict)
    # The sharing pause's block (every share is refused with it), None when not paused.
    paused: GateBlock | None = None

    def _applies(self, gate: Gate, action: str, network: str, post: Post | None) -> bool:
        action = _action(action)
        if action not in SHARING_ACTIONS:
            return gate.action == action
        if gate.action == GateAction.SHARE:
            return True
        if gate.action == GateAction.AUTO_SHARE:
            return action == GateAction.AUTO_SHARE
        if gate.action == GateAction.NETWORK:
            return bool(network) and gate.network == network
        if gate.action == GateAction.SENSITIVE and post is not None:
            if gate.campaign:
                return gate.campaign == post.campaign
            if gate.topic_id is not None:
                return gate.topic_id in _post_topic_ids(post)
            return post.requires_certification
        return False

    def verdict(self, *, action: str, network: str = "", post: Post | None = None) -> GateVerdict:
        if self.paused is not None and _action(action) in SHARING_ACTIONS:
            return GateVerdict(allowed=False, blocks=(self.paused,))
        if not self.gates:
            return ALLOWED
        blocks: list[GateBlock] = []
        for gate in self.gates:
            if not self._applies(gate, action, network, post):
                continue
            if gate.certification_id is not None and gate.certification_id not in self.certified:
                blocks.append(
                    _certification_block(gate, self.fix_courses.get(gate.certification_id))
                )
            if gate.requires_policy and not self.policy_met:
                blocks.append(_policy_block(gate))
        return GateVerdict(allowed=not blocks, blocks=_unique(blocks))

    def post_verdict(self, post: Post) -> GateVerdict:
        """Whether the member may share the post at all (before choosing a network).

        Network gates are left to the share dialog, where each network says its own."""
        return self.verdict(action=GateAction.SHARE, post=post)

    def networks_blocked(self, post: Post | None = None) -> dict[str, GateVerdict]:
        """The networks a NETWORK gate closes for the member, with the verdict."""
        blocked: dict[str, GateVerdict] = {}
        if self.paused is not None:
            # The pause already refuses every share: no network is singled out.
            return blocked
        for network in {gate.network for gate in self.gates if gate.action == GateAction.NETWORK}:
            verdict = self.verdict(action=GateAction.SHARE, network=network, post=post)
            if not verdict.allowed:
                blocked[network] = verdict
        return blocked


def gates_for_member(*, membership: Membership) -> MemberGates:
    """The organization's gates and what the member holds, in a few queries whatever the
    number of posts decided afterwards."""
    paused = pause_block(membership, GateAction.SHARE)
    gates = list(
        Gate.objects.filter(organization_id=membership.organization_id)
        .select_related("certification", "topic")
        .order_by("action", "pk")
    )
    if not gates:
        return MemberGates(gates=[], certified=set(), policy_met=True, paused=paused)
    now = timezone.now()
    certified = set(_valid_certificates(membership, now).values_list("certification_id", flat=True))
    policy_met = True
    if any(gate.requires_policy for gate in gates):
        latest = _latest_policy_version(membership).values_list("pk", flat=True).first()
        policy_met = (
            latest is None
            or PolicyAcknowledgement.objects.filter(
                organization_id=membership.organization_id,
                membership_id=membership.pk,
                version_id=latest,
            ).exists()
        )
    missing = {
        gate.certification_id
        for gate in gates
        if gate.certification_id is not None and gate.certification_id not in certified
    }
    fix_courses: dict[int, tuple[int, str]] = {}
    if missing:
        rows = (
            _unfinished_courses(membership)
            .filter(certifications__in=missing)
            .annotate(certification_id=F("certifications"))
            .order_by("-required", "title", "pk")
            .values_list("certification_id", "pk", "title")
        )
        for certification_id, course_id, title in rows:
            fix_courses.setdefault(certification_id, (course_id, title))
    held_before = set(
        Certificate.objects.filter(
            organization_id=membership.organization_id,
            membership_id=membership.pk,
            certification_id__in=missing - set(fix_courses),
        ).values_list("certification_id", flat=True)
    )
    for certification_id in held_before:
        course = (
            _retake_courses(certification_id)
            .order_by("-required", "title", "pk")
            .values_list("pk", "title")
            .first()
        )
        if course is not None:
            fix_courses[certification_id] = course
    return MemberGates(
        gates=gates,
        certified=certified,
        policy_met=policy_met,
        fix_courses=fix_courses,
        paused=paused,
    )


def sensitive_post_help(*, organization: Organization) -> str:
    """The post form's help for "Only certified members may share this post": what the
    admin requires for such posts, or where they set it."""
    gates = Gate.objects.filter(
        organization=organization, action=GateAction.SENSITIVE, campaign="", topic__isnull=True
    ).select_related("certification")
    needs: list[str] = []
    for gate in gates:
        needs += [need for need in gate_needs(gate) if need not in needs]
    if not needs:
        return _(
            "Which certification it takes, an admin sets on the “What needs certification” "
            "page; until then nothing is required."
        )
    return _("Members need: %(needs)s.") % {"needs": _(" and ").join(needs)}
