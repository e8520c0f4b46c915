"""The compliance checker: one function for curators' captions and members' edited captions.

INTERFACE (stable): other modules call only `check_text` and `network_length` and read
`CheckResult` / `Finding`.

Terms and disclosures are matched on a folded copy of the text (case, accents, ligatures,
width, whitespace runs and letters of other scripts that look like Latin ones folded away;
runs inside a right-to-left override read as they are displayed) that keeps, for every
folded character, where it came from, so each finding points at the original text. A text
with characters that override or isolate the reading direction is refused outright.
"""

# Look-alike characters (Cyrillic, Greek) are what the comments here are about.
# ruff: noqa: RUF003

from __future__ import annotations

import functools
import itertools
import json
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna
import regex  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from twitter_text import extract_urls_with_indices, parse_tweet
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld

from chorus.accounts.models import Organization
from chorus.content.models import ComplianceRule, ContentPolicy, Network, RuleAction, RuleKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
LENGTH_UNITS: dict[str, StrOrPromise] = {
    Network.X: _("weighted characters (every link counts 23)"),
    Network.MASTODON: _("characters (every link counts 23)"),
    Network.BLUESKY: _("characters (graphemes)"),
}

MASTODON_URL_LENGTH = 23


@dataclass(frozen=True)
class Finding:
    # "blocked_term", "disclosure", "allowed_domain", "denied_domain", "length" or
    # "bidi_control" (characters that override the reading direction).
    rule: str
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
def _plain_fold(char: str) -> str:
    """One character folded for case, accents and width (no look-alikes of other scripts)."""
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


@functools.cache
def _fold_char(char: str) -> str:
    """One character as the matcher sees it: "" (ignored), " " (a separator) or folded text."""
    skeletons = _skeletons()
    return "".join(skeletons.get(folded, folded) for folded in _plain_fold(char))


# Look-alike letters -------------------------------------------------------------------
#
# Unicode's confusables data (UTS #39, as confusable-homoglyphs ships it) says which
# characters look alike: Cyrillic "е" like "e", Greek "α" like "a", Cyrillic "Т" like "T".
# A letter of another script that looks like a Latin letter is read as that Latin letter,
# on both sides (the rule and the text), so "guarаnteed" with a Cyrillic "а" matches
# "guaranteed" and a rule still matches itself. Only letters are read anew, and only as
# ASCII letters:
# - ASCII stays as it is. The data reads "l", "I" and "1" alike, "0" like "O" and "rn"
#   like "m": followed blindly, "tall" would match "TAIL" and "burn" "bum".
# - Digits and punctuation keep their meaning (a Devanagari danda "।" looks like "l", but
#   it ends a sentence, and word boundaries depend on it).
# - Scripts written without spaces keep their own letters (terms match inside their words).
# - Case folding comes first, and two different ASCII letters are never made one: Cyrillic
#   "І" looks like "l" but its small letter "і" like "i", so both read "i" ("ІMPORTANT"
#   matches "important"); Greek "Ν" reads "v", as its small letter "ν" does. A capital
#   whose small letter looks like no Latin letter lends it its own: Cyrillic "т" reads "t"
#   because "Т" looks like "T", so Russian terms still match in capitals.


def _confusables() -> dict[str, list[str]]:
    """The confusables data: a character (or string) → those it is confusable with."""
    path = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    raw: dict[str, list[dict[str, str]]] = json.loads(path.read_text("utf-8"))
    data: dict[str, list[str]] = {}
    for key, entries in raw.items():
        # Right-to-left characters come wrapped in left-to-right marks, for display.
        data.setdefault(key.replace("\u200e", ""), []).extend(
            entry["c"].replace("\u200e", "") for entry in entries
        )
    return data


def _prototypes(data: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    """(source, prototype) for every character the data maps onto another.

    The data lists both ways: data[source] = [prototype], data[prototype] = its sources.
    Sources are single code points and prototypes map no further, so a character with
    several entries is a prototype, and one whose single entry is several characters long
    or has several entries itself is a source. That leaves pairs that only name each
    other ("֭" and "֖"): the data cannot tell which one is the prototype, so we take the
    ASCII one if there is one (ASCII is never read anew, so it has to be the prototype),
    else the lower code point. Which one it is only names the pair: both sides of a
    comparison are read the same way.
    """
    for char, entries in data.items():
        if len(char) != 1 or len(entries) != 1:
            continue
        target = entries[0]
        is_source = len(target) > 1 or len(data[target]) > 1
        if is_source or char != min(char, target, key=lambda each: (not each.isascii(), each)):
            yield char, target


def _is_letters(text: str) -> bool:
    return bool(text) and all(unicodedata.category(char).startswith("L") for char in text)


_NO_SPACE_LETTER = regex.compile(rf"[{_NO_SPACE_SCRIPTS}]")


@functools.cache
def _skeletons() -> dict[str, str]:
    """Each folded non-ASCII letter that looks like ASCII letters → those letters.

    Built once per process from the confusables data (some 60 ms).
    """
    # Letters as they fold (small letters, letters without case) first. Capitals and
    # compatibility forms come after, and only lend an ASCII letter to a class that has
    # none: through them, classes of other scripts would chain together (Cyrillic "з"
    # would read "e", through superscript forms of "ɜ" and "ɛ").
    pairs = [
        (source, "".join(map(_plain_fold, source)), "".join(map(_plain_fold, prototype)))
        for source, prototype in _prototypes(_confusables())
    ]
    pairs.sort(key=lambda pair: pair[0] != pair[1])
    # An ASCII letter the data reads as other ASCII letters ("m" as "rn") names them.
    aliases = {
        prototype: source
        for _, source, prototype in pairs
        if source.isascii() and prototype.isascii() and len(prototype) > 1
    }

    # Classes of letters that look alike (union-find); each holds at most one ASCII string.
    parent: dict[str, str] = {}
    ascii_member: dict[str, str] = {}

    def root(node: str) -> str:
        if node not in parent:
            parent[node] = node
            if node.isascii():
                ascii_member[node] = node
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for original, source, prototype in pairs:
        prototype = aliases.get(prototype, prototype)
        if not (_is_letters(source) and _is_letters(prototype)) or source == prototype:
            continue
        if source.isascii() or (original != source and not prototype.isascii()):
            continue
        source_root, prototype_root = root(source), root(prototype)
        if source_root == prototype_root or (
            source_root in ascii_member and prototype_root in ascii_member
        ):
            continue
        parent[source_root] = prototype_root
        if source_root in ascii_member:
            ascii_member[prototype_root] = ascii_member.pop(source_root)

    return {
        node: ascii_member[root(node)]
        for node in list(parent)
        if len(node) == 1
        and not node.isascii()
        and not _NO_SPACE_LETTER.match(node)
        and root(node) in ascii_member
    }


# Direction overrides --------------------------------------------------------------------

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI_CONTROL = regex.compile("[\u202a-\u202e\u2066-\u2069]")
_RIGHT_TO_LEFT_OVERRIDE = "\u202e"
_OPENS_EMBEDDING = "\u202a\u202b\u202d\u202e"
_POP_DIRECTIONAL_FORMATTING = "\u202c"
_PARAGRAPH_END = "\n\r\x1c\x1d\x1e\x85\u2029"


def _override_end(text: str, start: int) -> int:
    """Where the override opened just before `start` ends (its PDF, or the paragraph's end)."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char in _PARAGRAPH_END:
            return index
        if char in _OPENS_EMBEDDING:
            depth += 1
        elif char == _POP_DIRECTIONAL_FORMATTING:
            if depth == 0:
                return index
            depth -= 1
    return len(text)


def _reading_order(text: str) -> list[int]:
    """The indices of `text` in the order people read them.

    A right-to-left override (RLO, U+202E) displays its run backwards, one grapheme at a
    time: "<RLO>deetnaraug<PDF>" reads "guaranteed".
    """
    if _RIGHT_TO_LEFT_OVERRIDE not in text:
        return list(range(len(text)))
    order: list[int] = []
    index = 0
    while index < len(text):
        order.append(index)
        if text[index] != _RIGHT_TO_LEFT_OVERRIDE:
            index += 1
            continue
        end = _override_end(text, index + 1)
        graphemes = [match.span() for match in _GRAPHEME.finditer(text, index + 1, end)]
        for start, stop in reversed(graphemes):
            order.extend(range(start, stop))
        index = end
    return order


# Matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Folded:
    """Folded text, with the original span [starts[i], ends[i]) of each folded character."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end), marks after it included."""
        # Inside a right-to-left override the folded text runs backwards: min and max.
        original_start = min(self.starts[start:end])
        original_end = max(self.ends[start:end])
        while original_end < len(self.original) and unicodedata.category(
            self.original[original_end]
        ) in ("Mn", "Me"):
            original_end += 1
        return original_start, original_end


def fold(text: str) -> Folded:
    """Case-, accent-, width- and look-alike-insensitive text; whitespace runs become one space."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index in _reading_order(text):
        for folded_char in _fold_char(text[index]):
            if folded_char == " " and chars and chars[-1] == " ":
                starts[-1] = min(starts[-1], index)
                ends[-1] = max(ends[-1], index + 1)
                continue
            chars.append(folded_char)
            starts.append(index)
            ends.append(index + 1)
    return Folded("".join(chars), tuple(starts), tuple(ends), text)


def _plain_text(text: str) -> str:
    """`text` folded for case, accents and width only (not look-alikes, not reversed)."""
    return " ".join("".join(map(_plain_fold, text)).split())


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


@functools.lru_cache(maxsize=4096)
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
        raise ValidationError(gettext("Enter a domain, like example.com."))
    if regex.search(r"\s|\x00", value):
        raise ValidationError(
            gettext("“%(value)s” is not a domain: a domain has no spaces.") % {"value": value}
        )
    candidate = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValidationError(
            gettext("“%(value)s” is not a domain name.") % {"value": value}
        ) from exc
    if parts.username is not None or parts.password is not None:
        raise ValidationError(gettext("“%(value)s” is not a domain name.") % {"value": value})
    host = host.rstrip(".").removeprefix("*.")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise ValidationError(
            gettext("“%(value)s” is not a domain name.") % {"value": value}
        ) from exc
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(
            gettext("“%(value)s” is not a domain name (for example: example.com).")
            % {"value": value}
        )
    if labels[-1].isdigit():
        raise ValidationError(gettext("Use a domain name, not an IP address."))
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
    # Translators: quotation marks around a term or domain in a compliance message.
    return gettext("“%(text)s”") % {"text": " ".join(text.split())}


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
        message = gettext("The required disclosure %(disclosure)s is missing.") % {
            "disclosure": _quote(rule.value)
        }
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
            quoted = {"found": _quote(found), "term": _quote(rule.value)}
            message = gettext("%(found)s matches the blocked term %(term)s.") % quoted
            if _plain_text(found) != _plain_text(rule.value):
                message = (
                    gettext(
                        "%(found)s looks like the blocked term %(term)s (written with look-alike "
                        "letters of another script, or backwards)."
                    )
                    % quoted
                )
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

# A link without a scheme ("evil.example/x", "bücher.de", "www.x.com"): labels of letters
# and digits of any script but those written without spaces (Japanese text runs straight
# into "example.com"), never after "@" (an e-mail address) or inside a word or a path.
_HOST_CHAR = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_NO_SPACE_SCRIPTS}]]"
_LABEL_CHAR = rf"[[\p{{L}}\p{{M}}\p{{N}}\-]--[{_NO_SPACE_SCRIPTS}]]"
_BARE_LINK = regex.compile(
    # Not inside a word, an e-mail address or a path; a dot within reach (it is quick to
    # rule a word out); labels of up to 63 characters, no hyphen first or last.
    rf"""(?<!{_WORD_CHAR})(?<![@./\-])(?=[^\s.]{{1,63}}\.)
    (?P<host>(?:{_HOST_CHAR}{_LABEL_CHAR}{{0,62}}+(?<!-)\.)+
        (?:xn--[a-z0-9\-]{{1,59}}|{_HOST_CHAR}{{2,63}}))
    (?![@\-])(?!{_WORD_CHAR})
    (?P<rest>(?::[0-9]{{1,5}})?/[^\s<>"'()\[\]{{}}]*)?""",
    regex.V1 | regex.VERBOSE | regex.IGNORECASE,
)
# Names reserved for examples and tests (RFC 2606): real enough to link to in a caption.
_RESERVED_TLDS = frozenset({"example", "test", "invalid"})


def _is_top_level_domain(label: str, rule_domains: Sequence[str]) -> bool:
    label = label.casefold()
    return (
        label in _RESERVED_TLDS
        or label.startswith("xn--")
        or bool(valid_gtld.fullmatch(label) or valid_cctld.fullmatch(label))
        or any(domain.casefold().endswith("." + label) for domain in rule_domains)
    )


def _bare_links(text: str, rule_domains: Sequence[str]) -> Iterator[tuple[str, int, int]]:
    """(url, start, end) of the links without a scheme that end in a top-level domain.

    twitter-text's list of top-level domains decides ("file.txt", "e.g." and "node.js"
    are not links; "README.md" is, .md being Moldova), and so do the rules' own domains
    (an intranet's "wiki.corp").
    """
    for match in _BARE_LINK.finditer(text):
        labels = match.group("host").split(".")
        # "example.com.Next" (a sentence without a space) is example.com.
        while len(labels) > 1 and not _is_top_level_domain(labels[-1], rule_domains):
            labels.pop()
        if len(labels) < 2:
            continue
        host = ".".join(labels)
        start = match.start()
        if host != match.group("host"):
            yield host, start, start + len(host)
            continue
        url = match.group().rstrip(".,;:!?")
        yield url, start, start + len(url)


def _links(
    text: str, link_url: str, rule_domains: Sequence[str] = ()
) -> list[tuple[str, int, int, str]]:
    """(url, start, end, location) of every link in the text, then the shared link."""
    links = [
        (entity["url"], entity["indices"][0], entity["indices"][1], "text")
        for entity in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]
    found = [
        (
            match.group().rstrip(".,;:!?"),
            match.start(),
            match.start() + len(match.group().rstrip(".,;:!?")),
        )
        for match in _SCHEME_URL.finditer(text)
    ]
    found += list(_bare_links(text, rule_domains))
    for url, start, end in found:
        if not any(
            start < other_end and other_start < end for _, other_start, other_end, _ in links
        ):
            links.append((url, start, end, "text"))
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
    rule_domains = [rule.value for rule in (*allowed, *denied)]
    for url, start, end, location in _links(text, link_url, rule_domains):
        host = url_host(url)
        if not host:
            continue
        shown = idna.decode(host) if host.isascii() and "xn--" in host else host
        if strictest and not any(host_matches(host, rule.value) for rule in allowed):
            rule = strictest[0]
            message = gettext(
                "Links to %(domain)s are not allowed: only %(allowed)s may be linked."
            ) % {"domain": shown, "allowed": allowed_names}
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
                message = gettext(
                    "Links to %(domain)s are not allowed (denied domain %(denied)s)."
                ) % {"domain": shown, "denied": _quote(rule.value)}
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


def _bidi_findings(text: str) -> list[Finding]:
    """A blocking finding over the text's direction overrides and isolates, if it has any.

    They are invisible and make the text display in another order than it is written, so
    what readers see is not what was checked.
    """
    controls = [match.start() for match in _BIDI_CONTROL.finditer(text)]
    if not controls:
        return []
    start, end = controls[0], controls[-1] + 1
    message = gettext(
        "This text contains invisible characters that change its reading direction "
        "(direction overrides or isolates), so it may display differently from what it "
        "says. Remove them: retype the marked part or paste it as plain text."
    )
    return [
        Finding(
            rule="bidi_control",
            rule_id=None,
            action=RuleAction.BLOCK,
            message=message,
            text=text[start:end],
            start=start,
            end=end,
        )
    ]


def _length_finding(network: str, text: str, length: int, limit: int, action: str) -> Finding:
    start = _overflow_start(network, text, limit)
    label = Network(network).label if network in Network.values else network
    unit = LENGTH_UNITS.get(network, _("characters"))
    message = gettext(
        "Too long for %(network)s: %(length)s %(unit)s, the limit is %(limit)s. "
        "The marked part is beyond it."
    ) % {"network": label, "length": length, "unit": unit, "limit": limit}
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
    findings += _bidi_findings(text)
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
