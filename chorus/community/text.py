"""What members write in spaces: checked like captions, rendered safely, mentions found.

Messages pass the organization's compliance rules (`chorus/content/compliance.py`, with its
Unicode folding, look-alike letters and reading-order tricks) as captions do, except the
two that only make sense for a public post: the required disclosure (a message is never
published) and the networks' length limits (a message has its own, `MAX_BODY`). A rule
that blocks refuses the text; a rule that warns lets the member post once they confirm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from chorus.accounts.models import Membership, Organization
from chorus.content.compliance import CheckResult, Finding, check_text
from chorus.content.models import ComplianceRule, RuleKind
from chorus.training.markdown import render_markdown

IGNORED_FINDINGS = {"length", "disclosure"}


class ComplianceStop(Exception):
    """The text breaks a rule: refused (`blocked`) or waiting for "post anyway"."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__("; ".join(finding.message for finding in result.findings))
        self.result = result

    @property
    def blocked(self) -> bool:
        return self.result.blocked

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings


def message_check(*, organization: Organization, text: str) -> CheckResult:
    """The compliance verdict on a message's text (title and body checked together)."""
    rules = [
        rule
        for rule in ComplianceRule.objects.filter(organization=organization)
        if rule.kind != RuleKind.DISCLOSURE
    ]
    result = check_text(organization=organization, network="", text=text, rules=rules)
    result.findings = [f for f in result.findings if f.rule not in IGNORED_FINDINGS]
    return result


def message_require_compliant(*, organization: Organization, text: str, confirmed: bool) -> None:
    """Raise `ComplianceStop` when a rule blocks the text, or warns and it is not confirmed."""
    result = message_check(organization=organization, text=text)
    if result.blocked or (result.findings and not confirmed):
        raise ComplianceStop(result)


def render_message(text: str) -> SafeString:
    """Markdown-lite as safe HTML: no raw HTML, sanitised by nh3 (as lessons are)."""
    return render_markdown(text)


@dataclass(frozen=True)
class Handle:
    text: str  # casefolded
    membership_id: int


def mention_handles(members: Iterable[Membership]) -> list[Handle]:
    """The ways to mention each member: their name and their email's local part."""
    handles: list[Handle] = []
    for member in members:
        user = member.user
        for value in (user.name, user.email.partition("@")[0]):
            value = " ".join(value.split())
            if value:
                handles.append(Handle(value.casefold(), member.pk))
    # Longest first, so "@Maya Lin" wins over "@Maya".
    handles.sort(key=lambda handle: -len(handle.text))
    return handles


def mentioned_ids(text: str, handles: Sequence[Handle]) -> set[int]:
    """The members an "@" in `text` names (a handle ends where a word ends)."""
    found: set[int] = set()
    folded = text.casefold()
    start = folded.find("@")
    while start != -1:
        # An email address in the text is not a mention.
        if start == 0 or not folded[start - 1].isalnum():
            rest = folded[start + 1 :]
            for handle in handles:
                if rest.startswith(handle.text):
                    after = rest[len(handle.text) : len(handle.text) + 1]
                    if not after or not (after.isalnum() or after in "_-"):
                        found.add(handle.membership_id)
                        break
        start = folded.find("@", start + 1)
    return found
