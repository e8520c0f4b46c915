"""The compliance checker: one function for curators' captions and members' edited captions.

INTERFACE (stable): other modules call only `check_text` and `network_length` and read
`CheckResult` / `Finding`.

Terms and disclosures are matched on a folded copy of the text (case, accents, ligatures,
width and whitespace runs folded away) that keeps, for every folded character, where it
came from, so each finding points at the original text.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import idna
import regex  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from twitter_text import extract_urls_with_indices, parse_tweet

from chorus.accounts.models import Organization
from chorus.content.models import ComplianceRule, ContentPolicy, Network, RuleAction, RuleKind

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

# How each network counts, for messages.
LENGTH_UNITS: dict[str, str] = {
    Network.X: "weighted characters (every link counts 23)",
    Network.MASTODON: "characters (every link counts 23)",
    Network.BLUESKY: "characters (graphemes)",
}

MASTODON_URL_LENGTH = 23


@dataclass(frozen=True)
class Finding:
    rule: str  # "blocked_term", "disclosure", "allowed_domain", "denied_domain" or "length"
    rule_id: int | None  # the ComplianceRule, None for length limits
    action: str  # "block" or "warn"
    message: str  # for people: "“secret” is a blocked term"
    text: str  # the offending text
    start: int  # its position in CheckResult.text, in code points
    end: int
    # Where the finding points: "text" (start:end of CheckResult.text), "link_url" (the
    # shared link, not part of the text) or "missing" (a disclosure the text lacks).
    location: str = "text"


@dataclass(frozen=True)
class Segment:
    """A piece of the checked text, marked when a finding points at it (for templates)."""

    text: str
    marked: bool
    messages: tuple[str, ...] = ()


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

    @property
    def network_label(self) -> str:
        return str(Network(self.network).label) if self.network in Network.values else self.network

    @property
    def segments(self) -> list[Segment]:
        """The text cut at every finding's edges, so a template can <mark> the findings."""
        located = [
            finding
            for finding in self.findings
            if finding.location == "text" and finding.end > finding.start
        ]
        cuts = sorted({0, len(self.text)} | {f.start for f in located} | {f.end for f in located})
        segments: list[Segment] = []
        for start, end in itertools.pairwise(cuts):
            messages = tuple(f.message for f in located if f.start < end and f.end > start)
            segments.append(Segment(self.text[start:end], bool(messages), messages))
        return segments


# Folding ------------------------------------------------------------------------------

# Scripts written without spaces between words: there a term matches inside a "word".
_NO_SPACE_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
_WORD_CHAR = rf"[\w--[{_NO_SPACE_SCRIPTS}]]"
_IS_WORD_CHAR = regex.compile(_WORD_CHAR, regex.V1)

# Typographic variants people type without noticing: curly quotes, dashes, dotless i.
_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u0131": "i",
    }
)


def _without_marks(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) not in ("Mn", "Me"))


@functools.cache
def _fold_char(char: str) -> str:
    """One character as the matcher sees it: "" (ignored), " " (a separator) or folded text."""
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me"):
        # Zero-width joiners, soft hyphens, direction marks, accents, variation selectors.
        return ""
    if char.isspace() or category in ("Cc", "Zl", "Zp", "Zs"):
        return " "
    # NFKD splits accents off and undoes ligatures and full-width forms; casefolding
    # turns ß into ss and can add marks of its own (İ → i̇), hence the second round.
    folded = _without_marks(unicodedata.normalize("NFKD", char)).casefold()
    folded = _without_marks(unicodedata.normalize("NFKD", folded)).translate(_LOOKALIKES)
    return folded


@dataclass(frozen=True)
class Folded:
    """Folded text, with the original span [starts[i], ends[i]) of each folded character."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end), marks after it included."""
        original_start = self.starts[start]
        original_end = self.ends[end - 1]
        while original_end < len(self.original) and unicodedata.category(
            self.original[original_end]
        ) in ("Mn", "Me"):
            original_end += 1
        return original_start, original_end


def fold(text: str) -> Folded:
    """Case-, accent- and width-insensitive text; runs of whitespace become one space."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        for folded_char in _fold_char(char):
            if folded_char == " " and chars and chars[-1] == " ":
                ends[-1] = index + 1
                continue
            chars.append(folded_char)
            starts.append(index)
            ends.append(index + 1)
    return Folded("".join(chars), tuple(starts), tuple(ends), text)


def fold_term(term: str) -> str:
    return fold(term).text.strip()


@functools.lru_cache(maxsize=1024)
def _term_pattern(folded_term: str) -> regex.Pattern[str]:
    # Whole words: a term that starts (ends) with a letter or digit may not continue a
    # word on that side. Punctuation at the edge ("C++", "#tag") needs no boundary there.
    before = f"(?<!{_WORD_CHAR})" if _IS_WORD_CHAR.match(folded_term[0]) else ""
    after = f"(?!{_WORD_CHAR})" if _IS_WORD_CHAR.match(folded_term[-1]) else ""
    return regex.compile(before + regex.escape(folded_term) + after, regex.V1)


def find_term(folded: Folded, term: str) -> list[tuple[int, int]]:
    """Original (start, end) spans where `term` occurs as whole words."""
    folded_term = fold_term(term)
    if not folded_term:
        return []
    pattern = _term_pattern(folded_term)
    return [folded.span(*match.span()) for match in pattern.finditer(folded.text)]


# Domains ------------------------------------------------------------------------------


def _ascii_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return host


def url_host(url: str) -> str:
    """The ASCII (IDNA) host name of a URL, with or without a scheme; "" when there is none."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url.lstrip("/")
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _ascii_host(host)


def host_matches(host: str, domain: str) -> bool:
    """`host` is `domain` or one of its subdomains ("evil-example.com" is neither)."""
    domain = _ascii_host(domain)
    return host == domain or host.endswith("." + domain)


_LABEL = regex.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str) -> str:
    """A rule's domain as people read it ("bücher.de"); a URL is cut down to its host.

    Raises ValidationError with a sentence for anything that is not a host name.
    """
    value = value.strip()
    if not value:
        raise ValidationError("Enter a domain, like example.com.")
    if regex.search(r"\s|\x00", value):
        raise ValidationError(f"“{value}” is not a domain: a domain has no spaces.")
    candidate = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValidationError(f"“{value}” is not a domain name.") from exc
    if parts.username is not None or parts.password is not None:
        raise ValidationError(f"“{value}” is not a domain name.")
    host = host.rstrip(".").removeprefix("*.")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not a domain name.") from exc
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(f"“{value}” is not a domain name (for example: example.com).")
    if labels[-1].isdigit():
        raise ValidationError("Use a domain name, not an IP address.")
    return str(idna.decode(ascii_host))


# Lengths ------------------------------------------------------------------------------

_MASTODON_MENTION = regex.compile(
    r"(?<![\w/@])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[a-z0-9.-]+[a-z0-9]+", regex.IGNORECASE
)
_GRAPHEME = regex.compile(r"\X")


def _graphemes(text: str) -> int:
    return sum(1 for _ in _GRAPHEME.finditer(text))


def _mastodon_countable(text: str) -> str:
    # As Mastodon's StatusLengthValidator: links with a scheme count 23, a remote
    # mention @user@domain counts as @user.
    urls = [
        entity
        for entity in extract_urls_with_indices(text, extract_urls_without_protocol=False)
        if entity["url"].lower().startswith(("http://", "https://"))
    ]
    for entity in reversed(urls):
        start, end = entity["indices"]
        text = text[:start] + "x" * MASTODON_URL_LENGTH + text[end:]
    return str(_MASTODON_MENTION.sub(r"@\1", text))


def network_length(network: str, text: str) -> int:
    """The length of `text` as `network` counts it."""
    if network == Network.X:
        return int(parse_tweet(text).weightedLength)
    if network == Network.MASTODON:
        return _graphemes(_mastodon_countable(text))
    if network == Network.BLUESKY:
        return _graphemes(text)
    return len(text)


def _overflow_start(network: str, text: str, limit: int) -> int:
    """Where the part of `text` beyond `limit` starts (at a grapheme's start)."""
    if network not in (Network.X, Network.MASTODON, Network.BLUESKY):
        return limit
    # The shortest prefix that is too long; its last character is the first one over.
    # Grow the window first: the overflow is usually near `limit` characters, and
    # counting a long text is the slow part.
    low, high = 0, min(len(text), 2 * limit)
    while high < len(text) and network_length(network, text[:high]) <= limit:
        low, high = high, min(len(text), 2 * high)
    while high - low > 1:
        middle = (low + high) // 2
        if network_length(network, text[:middle]) > limit:
            high = middle
        else:
            low = middle
    start = high - 1
    for match in _GRAPHEME.finditer(text):
        if match.start() <= start < match.end():
            return int(match.start())
    return start


# The checker --------------------------------------------------------------------------


def policy_for(*, organization: Organization) -> ContentPolicy:
    """The organization's content policy (the defaults, unsaved, until an admin sets one)."""
    policy = ContentPolicy.objects.filter(organization=organization).first()
    return policy or ContentPolicy(organization=organization)


def _quote(text: str) -> str:
    return f"“{' '.join(text.split())}”"


def _with_note(message: str, rule: ComplianceRule) -> str:
    return f"{message} ({rule.note})" if rule.note else message


def _disclosure_suffix(text: str, disclosures: Sequence[str]) -> str:
    if not disclosures:
        return ""
    joined = " ".join(disclosures)
    if not text.strip():
        return joined
    # A multi-line caption gets its disclosure on a line of its own.
    return ("\n" if "\n" in text.strip() else " ") + joined


def _disclosure_findings(
    folded: Folded, rules: Iterable[ComplianceRule]
) -> tuple[list[str], list[Finding]]:
    """(disclosures to append, findings for missing ones that are not appended)."""
    to_append: list[str] = []
    findings: list[Finding] = []
    for rule in rules:
        if find_term(folded, rule.value):
            continue
        if rule.auto_append:
            to_append.append(rule.value)
            continue
        message = f"The required disclosure {_quote(rule.value)} is missing."
        end = len(folded.original)
        findings.append(
            Finding(
                rule=RuleKind.DISCLOSURE,
                rule_id=rule.pk,
                action=rule.action,
                message=_with_note(message, rule),
                text="",
                start=end,
                end=end,
                location="missing",
            )
        )
    return to_append, findings


def _term_findings(folded: Folded, rules: Iterable[ComplianceRule]) -> list[Finding]:
    findings = []
    for rule in rules:
        for start, end in find_term(folded, rule.value):
            found = folded.original[start:end]
            message = f"{_quote(found)} matches the blocked term {_quote(rule.value)}."
            findings.append(
                Finding(
                    rule=RuleKind.BLOCKED_TERM,
                    rule_id=rule.pk,
                    action=rule.action,
                    message=_with_note(message, rule),
                    text=found,
                    start=start,
                    end=end,
                )
            )
    return findings


# twitter-text only knows the top-level domains of its day: a link with a scheme on any
# other domain (a new TLD, .example, an intranet name) must still be checked.
_SCHEME_URL = regex.compile(r"https?://[^\s<>\"'()\[\]{}]+", regex.IGNORECASE)


def _links(text: str, link_url: str) -> list[tuple[str, int, int, str]]:
    """(url, start, end, location) of every link in the text, then the shared link."""
    links = [
        (entity["url"], entity["indices"][0], entity["indices"][1], "text")
        for entity in extract_urls_with_indices(text)
    ]
    for match in _SCHEME_URL.finditer(text):
        start, end = match.span()
        if not any(
            start < other_end and other_start < end for _, other_start, other_end, _ in links
        ):
            links.append(
                (
                    match.group().rstrip(".,;:!?"),
                    start,
                    start + len(match.group().rstrip(".,;:!?")),
                    "text",
                )
            )
    links.sort(key=lambda link: link[1])
    link_url = link_url.strip()
    if link_url and link_url not in text:
        links.append((link_url, 0, 0, "link_url"))
    return links


def _domain_findings(
    text: str,
    link_url: str,
    allowed: Sequence[ComplianceRule],
    denied: Sequence[ComplianceRule],
) -> list[Finding]:
    if not allowed and not denied:
        return []
    findings = []
    # When several allow-rules exist, one that blocks decides how strict the list is.
    strictest = sorted(allowed, key=lambda rule: rule.action != RuleAction.BLOCK)[:1]
    allowed_names = ", ".join(rule.value for rule in allowed)
    for url, start, end, location in _links(text, link_url):
        host = url_host(url)
        if not host:
            continue
        shown = idna.decode(host) if host.isascii() and "xn--" in host else host
        if strictest and not any(host_matches(host, rule.value) for rule in allowed):
            rule = strictest[0]
            message = f"Links to {shown} are not allowed: only {allowed_names} may be linked."
            findings.append(
                Finding(
                    rule=RuleKind.ALLOWED_DOMAIN,
                    rule_id=rule.pk,
                    action=rule.action,
                    message=message,
                    text=url,
                    start=start,
                    end=end,
                    location=location,
                )
            )
        for rule in denied:
            if host_matches(host, rule.value):
                message = f"Links to {shown} are not allowed (denied domain {_quote(rule.value)})."
                findings.append(
                    Finding(
                        rule=RuleKind.DENIED_DOMAIN,
                        rule_id=rule.pk,
                        action=rule.action,
                        message=_with_note(message, rule),
                        text=url,
                        start=start,
                        end=end,
                        location=location,
                    )
                )
    return findings


def _length_finding(network: str, text: str, length: int, limit: int, action: str) -> Finding:
    start = _overflow_start(network, text, limit)
    label = Network(network).label if network in Network.values else network
    unit = LENGTH_UNITS.get(network, "characters")
    message = (
        f"Too long for {label}: {length} {unit}, the limit is {limit}. "
        "The marked part is beyond it."
    )
    return Finding(
        rule="length",
        rule_id=None,
        action=action,
        message=message,
        text=text[start:],
        start=start,
        end=len(text),
    )


def check_text(
    *,
    organization: Organization,
    network: str,
    text: str,
    link_url: str = "",
    rules: Sequence[ComplianceRule] | None = None,
    policy: ContentPolicy | None = None,
) -> CheckResult:
    """Check a caption against the organization's rules and the network's length limit.

    `link_url` is the link that will be shared with the caption (its domain is checked;
    on X and Mastodon it is counted as 23 characters when it is part of the text).
    `rules` and `policy` may be passed when already loaded (checking many captions);
    rules of another organization are ignored.
    """
    if rules is None:
        rules = list(ComplianceRule.objects.filter(organization=organization))
    rules = [rule for rule in rules if rule.organization_id == organization.pk]
    if policy is None or policy.organization_id != organization.pk:
        policy = policy_for(organization=organization)
    by_kind: dict[str, list[ComplianceRule]] = {kind: [] for kind in RuleKind.values}
    for rule in rules:
        by_kind.setdefault(rule.kind, []).append(rule)

    folded = fold(text)
    to_append, findings = _disclosure_findings(folded, by_kind[RuleKind.DISCLOSURE])
    suffix = _disclosure_suffix(text, to_append)
    if suffix:
        text += suffix
        folded = fold(text)
    findings += _term_findings(folded, by_kind[RuleKind.BLOCKED_TERM])
    findings += _domain_findings(
        text, link_url, by_kind[RuleKind.ALLOWED_DOMAIN], by_kind[RuleKind.DENIED_DOMAIN]
    )
    limit = NETWORK_LIMITS.get(network, 3000)
    length = network_length(network, text)
    if length > limit:
        findings.append(_length_finding(network, text, length, limit, policy.length_action))
    findings.sort(key=lambda finding: (finding.start, finding.end))
    return CheckResult(
        text=text,
        network=network,
        length=length,
        limit=limit,
        findings=findings,
        appended_disclosure=" ".join(to_append),
    )
