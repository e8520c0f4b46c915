"""The compliance checker: one function for curators' captions and members' edited captions.

INTERFACE (stable; the implementation is being written): other modules call only
`check_text` and `network_length` and read `CheckResult` / `Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chorus.accounts.models import Organization
from chorus.content.models import Network

# Each network's length limit, counted the network's own way (see network_length).
NETWORK_LIMITS: dict[str, int] = {
    Network.LINKEDIN: 3000,
    Network.X: 280,
    Network.FACEBOOK: 63206,
    Network.THREADS: 500,
    Network.MASTODON: 500,
    Network.BLUESKY: 300,
    Network.XING: 3000,
}


@dataclass(frozen=True)
class Finding:
    rule: str  # "blocked_term", "disclosure", "allowed_domain", "denied_domain" or "length"
    rule_id: int | None  # the ComplianceRule, None for length limits
    action: str  # "block" or "warn"
    message: str  # for people: "“secret” is a blocked term"
    text: str  # the offending text
    start: int  # its position in CheckResult.text, in code points
    end: int


@dataclass
class CheckResult:
    text: str  # the text that was checked (with the disclosure appended, when that applies)
    network: str
    length: int  # counted the network's way
    limit: int
    findings: list[Finding] = field(default_factory=list)
    appended_disclosure: str = ""

    @property
    def blocked(self) -> bool:
        return any(finding.action == "block" for finding in self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.action == "warn"]


def network_length(network: str, text: str) -> int:
    """The length of `text` as `network` counts it."""
    return len(text)


def check_text(
    *, organization: Organization, network: str, text: str, link_url: str = ""
) -> CheckResult:
    """Check a caption against the organization's rules and the network's length limit.

    `link_url` is the link that will be shared with the caption (its domain is checked;
    on X and Mastodon it is counted as 23 characters when it is part of the text).
    """
    return CheckResult(
        text=text, network=network, length=len(text), limit=NETWORK_LIMITS.get(network, 3000)
    )
