"""The compliance checker: every rule kind, Unicode edge cases, each network's length."""

# Look-alike characters (full-width, Cyrillic, curly quotes) are what these tests are about.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from chorus.content.compliance import (
    NETWORK_LIMITS,
    check_text,
    network_length,
    normalize_domain,
)
from chorus.content.models import ContentPolicy, Network, RuleAction, RuleKind
from chorus.factories import ComplianceRuleFactory, OrganizationFactory

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man, woman, girl joined: one grapheme


def rule(organization, value, kind=RuleKind.BLOCKED_TERM, **fields):
    return ComplianceRuleFactory(organization=organization, kind=kind, value=value, **fields)


def found(organization, text, network=Network.LINKEDIN, link_url=""):
    result = check_text(organization=organization, network=network, text=text, link_url=link_url)
    return [(f.text, f.start, f.end) for f in result.findings]


# Blocked terms ------------------------------------------------------------------------


def test_blocked_term_is_found_whatever_the_case_with_its_position(organization):
    secret = rule(organization, "secret")
    result = check_text(organization=organization, network=Network.LINKEDIN, text="Our SECRET plan")
    [finding] = result.findings
    assert (finding.text, finding.start, finding.end) == ("SECRET", 4, 10)
    assert finding.rule == RuleKind.BLOCKED_TERM
    assert finding.rule_id == secret.pk
    assert finding.action == RuleAction.BLOCK
    assert "SECRET" in finding.message and "secret" in finding.message
    assert result.blocked


def test_clean_text_has_no_findings(organization):
    rule(organization, "secret")
    result = check_text(organization=organization, network=Network.X, text="Nothing to hide")
    assert result.findings == []
    assert not result.blocked


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("café", "CAFE LATTE", "CAFE"),
        ("CAFE", "un café noir", "café"),
        # "e" followed by a combining acute accent: the mark belongs to the match.
        ("cafe", "un cafe\u0301 noir", "cafe\u0301"),
        ("café", "un cafe\u0301 noir", "cafe\u0301"),
        ("naïve", "so NAIVE", "NAIVE"),
        ("istanbul", "İSTANBUL rocks", "İSTANBUL"),
        ("İstanbul", "istanbul rocks", "istanbul"),
        ("strasse", "Die Straße", "Straße"),
        ("straße", "DIE STRASSE", "STRASSE"),
        ("STRAẞE", "die strasse", "strasse"),
        ("finance", "Our ﬁnance team", "ﬁnance"),
        ("ﬁnance", "Our finance team", "finance"),
        ("abc", "full-width ＡＢＣ here", "ＡＢＣ"),
        ("don't", "I don’t know", "don’t"),
        ("σοφία", "ΣΟΦΊΑ", "ΣΟΦΊΑ"),
    ],
)
def test_blocked_terms_ignore_case_accents_and_compatibility_forms(
    organization, term, text, expected
):
    rule(organization, term)
    assert [f[0] for f in found(organization, text)] == [expected]


@pytest.mark.parametrize("text", ["class", "assessment", "bass", "passes", "ass_hat", "ass2"])
def test_blocked_terms_match_whole_words_only(organization, text):
    rule(organization, "ass")
    assert found(organization, text) == []


@pytest.mark.parametrize("text", ["ass", "Ass!", "(ass)", "an ass.", "ass-hat", "«ass»"])
def test_blocked_term_at_word_boundaries_is_found(organization, text):
    rule(organization, "ass")
    assert [f[0].lower() for f in found(organization, text)] == ["ass"]


def test_phrase_matches_across_any_whitespace_and_line_breaks(organization):
    rule(organization, "top secret")
    text = "Top  Secret, top\nsecret, TOP\t\r\nSECRET, top\u00a0secret, top\u2028secret"
    assert [f[0] for f in found(organization, text)] == [
        "Top  Secret",
        "top\nsecret",
        "TOP\t\r\nSECRET",
        "top\u00a0secret",
        "top\u2028secret",
    ]


def test_phrase_needs_all_its_words(organization):
    rule(organization, "top secret")
    assert found(organization, "top secretary, top, secret, topsecret") == []


def test_positions_refer_to_the_original_text(organization):
    rule(organization, "strasse")
    rule(organization, "finance")
    text = "ﬁ ß İ: Straße and ﬁnance"
    for matched, start, end in found(organization, text):
        assert text[start:end] == matched
    assert [f[0] for f in found(organization, text)] == ["Straße", "ﬁnance"]


def test_every_occurrence_is_a_finding(organization):
    rule(organization, "secret")
    assert found(organization, "secret, Secret and SECRET") == [
        ("secret", 0, 6),
        ("Secret", 8, 14),
        ("SECRET", 19, 25),
    ]


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("C++", "I love C++.", "C++"),
        ("C#", "We write c# daily", "c#"),
        ("#tag", "Look: #Tag!", "#Tag"),
        ("@rival", "thanks @Rival", "@Rival"),
        ("e-cig", "no E-cig here", "E-cig"),
    ],
)
def test_terms_with_punctuation(organization, term, text, expected):
    rule(organization, term)
    assert [f[0] for f in found(organization, text)] == [expected]


def test_hashtag_term_does_not_match_a_longer_hashtag(organization):
    rule(organization, "#tag")
    assert found(organization, "#tagging #tags") == []


def test_scripts_without_spaces_match_inside_words(organization):
    rule(organization, "秘密")
    rule(organization, "ナイショ")
    text = "这是秘密计划。これはナイショです"
    assert [(f[0], f[1], f[2]) for f in found(organization, text)] == [
        ("秘密", 2, 4),
        ("ナイショ", 10, 14),
    ]


def test_latin_term_next_to_cjk_text_is_found(organization):
    rule(organization, "acme")
    assert [f[0] for f in found(organization, "我们爱ACME产品")] == ["ACME"]


def test_emoji_term(organization):
    rule(organization, "💣")
    rule(organization, FAMILY)
    text = f"Launch 💣💣 with the {FAMILY}!"
    assert [f[0] for f in found(organization, text)] == ["💣", "💣", FAMILY]


def test_invisible_characters_do_not_hide_a_term(organization):
    rule(organization, "secret")
    # Zero-width space, soft hyphen, zero-width joiner, a direction mark.
    for text in ["se\u200bcret", "se\u00adcret", "sec\u200dret", "\u200fsecret"]:
        [(matched, start, end)] = found(organization, text)
        assert matched.replace("\u200f", "") == text.replace("\u200f", "")
        assert text[start:end] == matched


def test_nul_and_control_characters_separate_words(organization):
    rule(organization, "top secret")
    rule(organization, "plan")
    assert [f[0] for f in found(organization, "top\x00secret\x0bplan\x1f")] == [
        "top\x00secret",
        "plan",
    ]


def test_right_to_left_terms(organization):
    rule(organization, "שלום")
    rule(organization, "سلام")
    # Hebrew with niqqud and a right-to-left mark; Arabic with harakat.
    text = "\u200fשָׁלוֹם עולם و سَلَام"
    results = found(organization, text)
    assert [f[0] for f in results] == ["שָׁלוֹם", "سَلَام"]
    for matched, start, end in results:
        assert text[start:end] == matched


def test_warn_rule_does_not_block(organization):
    rule(organization, "competitor", action=RuleAction.WARN)
    result = check_text(
        organization=organization, network=Network.LINKEDIN, text="Better than the competitor"
    )
    [finding] = result.findings
    assert finding.action == RuleAction.WARN
    assert result.warnings == [finding]
    assert not result.blocked


def test_block_wins_over_warn(organization):
    rule(organization, "competitor", action=RuleAction.WARN)
    rule(organization, "secret")
    result = check_text(
        organization=organization, network=Network.LINKEDIN, text="competitor secret"
    )
    assert [f.action for f in result.findings] == [RuleAction.WARN, RuleAction.BLOCK]
    assert result.blocked


def test_rule_note_is_part_of_the_message(organization):
    rule(organization, "guarantee", note="Legal: we never guarantee returns")
    result = check_text(organization=organization, network=Network.X, text="We guarantee it")
    assert "Legal: we never guarantee returns" in result.findings[0].message


def test_rules_of_another_organization_do_not_apply(organization):
    other = OrganizationFactory()
    rule(other, "secret")
    other_rule = rule(other, "plan")
    assert found(organization, "secret plan") == []
    # Not even when handed over by mistake.
    result = check_text(
        organization=organization, network=Network.X, text="secret plan", rules=[other_rule]
    )
    assert result.findings == []


# Disclosures --------------------------------------------------------------------------


def test_disclosure_present_anywhere_is_fine(organization):
    rule(organization, "#employee", kind=RuleKind.DISCLOSURE)
    rule(organization, "I work at Acme", kind=RuleKind.DISCLOSURE)
    text = "#Employee here. (i  work at ACME)"
    assert found(organization, text) == []


def test_missing_disclosure_is_a_finding(organization):
    disclosure = rule(organization, "#employee", kind=RuleKind.DISCLOSURE)
    # "#employees" is another hashtag: it does not disclose.
    result = check_text(
        organization=organization, network=Network.LINKEDIN, text="Great news #employees"
    )
    [finding] = result.findings
    assert finding.rule == RuleKind.DISCLOSURE
    assert finding.rule_id == disclosure.pk
    assert finding.location == "missing"
    assert "#employee" in finding.message
    assert result.blocked
    assert result.text == "Great news #employees"


def test_disclosure_is_appended_when_the_rule_says_so(organization):
    rule(organization, "#employee", kind=RuleKind.DISCLOSURE, auto_append=True)
    result = check_text(organization=organization, network=Network.X, text="Great news  ")
    assert result.text == "Great news   #employee"
    assert result.appended_disclosure == "#employee"
    assert result.findings == []


def test_disclosure_goes_on_its_own_line_in_a_multi_line_caption(organization):
    rule(organization, "I work at Acme", kind=RuleKind.DISCLOSURE, auto_append=True)
    result = check_text(organization=organization, network=Network.X, text="Line one\nLine two")
    assert result.text == "Line one\nLine two\nI work at Acme"


def test_present_disclosure_is_not_appended_twice(organization):
    rule(organization, "#employee", kind=RuleKind.DISCLOSURE, auto_append=True)
    result = check_text(organization=organization, network=Network.X, text="Hi #EMPLOYEE")
    assert result.text == "Hi #EMPLOYEE"
    assert result.appended_disclosure == ""


def test_appended_disclosure_counts_towards_the_length(organization):
    rule(organization, "#employee", kind=RuleKind.DISCLOSURE, auto_append=True)
    # 270 + " #employee" (10) = 280: fits; one more character does not.
    fits = check_text(organization=organization, network=Network.X, text="a" * 270)
    assert (fits.length, fits.blocked) == (280, False)
    too_long = check_text(organization=organization, network=Network.X, text="a" * 271)
    assert too_long.length == 281
    [finding] = too_long.findings
    assert finding.rule == "length"
    assert finding.text == "e"  # the last character of the appended disclosure
    assert too_long.blocked


def test_appended_disclosure_is_itself_checked(organization):
    rule(organization, "#ad", kind=RuleKind.DISCLOSURE, auto_append=True)
    rule(organization, "ad")
    result = check_text(organization=organization, network=Network.X, text="New")
    assert [(f.text, f.start) for f in result.findings] == [("ad", 5)]


# Link domains -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.com/a",
        "See https://www.example.com/a",
        "See news.EXAMPLE.com/x",
        "See HTTPS://EXAMPLE.COM",
        "See https://example.com./a",
        "No link at all",
    ],
)
def test_allowed_domains_and_their_subdomains_pass(organization, text):
    rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN)
    assert found(organization, text) == []


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Go https://evil-example.com/x now", "https://evil-example.com/x"),
        ("Go https://example.com.evil.net now", "https://example.com.evil.net"),
        ("Go other.org/path now", "other.org/path"),
        # Cyrillic "а": a look-alike, another domain.
        ("Go https://exаmple.com/x now", "https://exаmple.com/x"),
    ],
)
def test_links_outside_the_allowed_domains_are_found(organization, text, url):
    allowed = rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN)
    result = check_text(organization=organization, network=Network.LINKEDIN, text=text)
    [finding] = result.findings
    assert finding.rule == RuleKind.ALLOWED_DOMAIN
    assert finding.rule_id == allowed.pk
    assert (finding.text, text[finding.start : finding.end]) == (url, url)
    assert "example.com" in finding.message


def test_shared_link_is_checked_against_allowed_domains(organization):
    rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN)
    result = check_text(
        organization=organization,
        network=Network.LINKEDIN,
        text="Read this",
        link_url="https://other.org/story",
    )
    [finding] = result.findings
    assert finding.location == "link_url"
    assert finding.text == "https://other.org/story"
    assert found(organization, "Read this", link_url="https://blog.example.com/a") == []


def test_a_blocking_allow_rule_makes_the_allow_list_blocking(organization):
    rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN, action=RuleAction.WARN)
    rule(organization, "example.org", kind=RuleKind.ALLOWED_DOMAIN)
    result = check_text(organization=organization, network=Network.X, text="other.net")
    assert [f.action for f in result.findings] == [RuleAction.BLOCK]
    assert found(organization, "example.com and example.org") == []


@pytest.mark.parametrize(
    "text",
    ["https://evil.com", "https://SUB.Evil.com/x?y=1", "evil.com/path", "www.evil.com"],
)
def test_denied_domains_and_their_subdomains_are_found(organization, text):
    denied = rule(organization, "evil.com", kind=RuleKind.DENIED_DOMAIN, action=RuleAction.WARN)
    result = check_text(organization=organization, network=Network.LINKEDIN, text=f"See {text}")
    [finding] = result.findings
    assert (finding.rule, finding.rule_id, finding.action) == (
        RuleKind.DENIED_DOMAIN,
        denied.pk,
        RuleAction.WARN,
    )
    assert finding.start == 4 and finding.text == text


@pytest.mark.parametrize("text", ["https://notevil.com", "https://evil.com.au", "evil.co"])
def test_look_alike_domains_are_not_denied(organization, text):
    rule(organization, "evil.com", kind=RuleKind.DENIED_DOMAIN)
    assert found(organization, text) == []


@pytest.mark.parametrize(
    "link",
    ["https://bücher.de/x", "https://BÜCHER.de", "https://xn--bcher-kva.de/y", "shop.bücher.de"],
)
def test_international_domain_names_compare_in_any_form(organization, link):
    rule(organization, "bücher.de", kind=RuleKind.DENIED_DOMAIN)
    assert len(found(organization, "x", link_url=link)) == 1


def test_punycode_rule_matches_unicode_link(organization):
    rule(organization, "xn--bcher-kva.de", kind=RuleKind.DENIED_DOMAIN)
    assert len(found(organization, "Buy at https://bücher.de/x")) == 1


def test_shared_link_already_in_the_text_is_reported_once(organization):
    rule(organization, "evil.com", kind=RuleKind.DENIED_DOMAIN)
    link = "https://evil.com/a"
    assert found(organization, f"See {link}", link_url=link) == [(link, 4, 4 + len(link))]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Example.com", "example.com"),
        ("https://Example.com/x?y", "example.com"),
        ("  news.example.com.  ", "news.example.com"),
        ("*.example.com", "example.com"),
        ("BÜCHER.de", "bücher.de"),
        ("xn--bcher-kva.de", "bücher.de"),
        ("example.com:8080", "example.com"),
    ],
)
def test_domain_values_are_normalized(value, expected):
    assert normalize_domain(value) == expected


@pytest.mark.parametrize(
    "value", ["", "localhost", "exa mple.com", "1.2.3.4", "user@example.com", "a_b.com", "-a.com"]
)
def test_bad_domain_values_are_refused(value):
    with pytest.raises(ValidationError):
        normalize_domain(value)


# Lengths ------------------------------------------------------------------------------


def test_x_limit_is_280_weighted_characters(organization):
    fits = check_text(organization=organization, network=Network.X, text="a" * 280)
    assert (fits.length, fits.limit, fits.findings) == (280, 280, [])
    too_long = check_text(organization=organization, network=Network.X, text="a" * 280 + "b")
    assert too_long.length == 281
    [finding] = too_long.findings
    assert (finding.rule, finding.text, finding.start, finding.end) == ("length", "b", 280, 281)
    assert finding.rule_id is None
    assert too_long.blocked


def test_x_counts_every_url_as_23(organization):
    url = "https://example.com/" + "x" * 100
    assert network_length(Network.X, url) == 23
    assert network_length(Network.X, "example.com/x") == 23
    fits = check_text(organization=organization, network=Network.X, text="a" * 256 + " " + url)
    assert fits.length == 280 and not fits.blocked
    too_long = check_text(organization=organization, network=Network.X, text="a" * 257 + " " + url)
    assert too_long.length == 281 and too_long.blocked


def test_x_weighs_cjk_and_emoji_double(organization):
    assert network_length(Network.X, "日本") == 4
    assert network_length(Network.X, "👍") == 2
    assert network_length(Network.X, FAMILY) == 2
    assert network_length(Network.X, "é") == 1
    assert not check_text(organization=organization, network=Network.X, text="日" * 140).blocked
    too_long = check_text(organization=organization, network=Network.X, text="日" * 141)
    assert too_long.length == 282
    assert too_long.findings[0].start == 140


def test_bluesky_counts_graphemes(organization):
    assert network_length(Network.BLUESKY, FAMILY) == 1
    assert network_length(Network.BLUESKY, "cafe\u0301") == 4
    assert network_length(Network.BLUESKY, "🇫🇷") == 1
    fits = check_text(organization=organization, network=Network.BLUESKY, text=FAMILY * 300)
    assert (fits.length, fits.blocked) == (300, False)
    too_long = check_text(
        organization=organization, network=Network.BLUESKY, text=FAMILY * 300 + FAMILY
    )
    assert too_long.length == 301
    [finding] = too_long.findings
    # The part beyond the limit is the whole last emoji, never half of it.
    assert (finding.text, finding.start) == (FAMILY, 300 * len(FAMILY))


def test_mastodon_counts_urls_as_23_and_remote_mentions_as_local(organization):
    url = "https://example.com/" + "x" * 200
    assert network_length(Network.MASTODON, url) == 23
    assert network_length(Network.MASTODON, "@alice@social.example.org hi") == len("@alice hi")
    assert network_length(Network.MASTODON, "@alice hi") == len("@alice hi")
    # Without a scheme a link is plain text on Mastodon.
    assert network_length(Network.MASTODON, "example.com/abc") == len("example.com/abc")
    text = "@alice@social.example.org " + "a" * 470 + " " + url  # 7 + 470 + 1 + 23 = 501
    result = check_text(organization=organization, network=Network.MASTODON, text=text)
    assert (result.length, result.limit, result.blocked) == (501, 500, True)
    shorter = text.replace("a" * 470, "a" * 469)
    fits = check_text(organization=organization, network=Network.MASTODON, text=shorter)
    assert (fits.length, fits.blocked) == (500, False)


@pytest.mark.parametrize(
    ("network", "limit"),
    [
        (Network.THREADS, 500),
        (Network.LINKEDIN, 3000),
        (Network.XING, 3000),
        (Network.FACEBOOK, 63206),
    ],
)
def test_networks_counting_code_points(organization, network, limit):
    assert NETWORK_LIMITS[network] == limit
    assert network_length(network, FAMILY) == 5
    fits = check_text(organization=organization, network=network, text="é" * limit)
    assert (fits.length, fits.blocked) == (limit, False)
    too_long = check_text(organization=organization, network=network, text="é" * limit + "XYZ")
    assert too_long.length == limit + 3
    [finding] = too_long.findings
    assert (finding.text, finding.start, finding.end) == ("XYZ", limit, limit + 3)


def test_length_action_comes_from_the_policy(organization):
    ContentPolicy.objects.create(organization=organization, length_action=RuleAction.WARN)
    result = check_text(organization=organization, network=Network.X, text="a" * 300)
    [finding] = result.findings
    assert finding.action == RuleAction.WARN
    assert not result.blocked


# The result ---------------------------------------------------------------------------


def test_one_query_for_rules_and_one_for_the_policy(organization, django_assert_num_queries):
    for value in ("secret", "plan", "#employee"):
        rule(organization, value)
    with django_assert_num_queries(2):
        check_text(organization=organization, network=Network.X, text="secret plan")


def test_prefetched_rules_and_policy_need_no_query(organization, django_assert_num_queries):
    rules = [rule(organization, "secret")]
    policy = ContentPolicy.objects.create(organization=organization)
    with django_assert_num_queries(0):
        result = check_text(
            organization=organization, network=Network.X, text="secret", rules=rules, policy=policy
        )
    assert len(result.findings) == 1


def test_result_marks_findings_and_escapes_the_text(organization):
    rule(organization, "secret")
    result = check_text(
        organization=organization, network=Network.LINKEDIN, text="<b>a</b> secret & more"
    )
    html = render_to_string("content/compliance_result.html", {"result": result})
    assert "<mark" in html and ">secret</mark>" in html
    assert "&lt;b&gt;a&lt;/b&gt;" in html and "<b>a</b>" not in html
    assert "&amp; more" in html
    assert "Blocked" in html
    assert "of 3000 for LinkedIn" in html


def test_segments_merge_overlapping_findings(organization):
    rule(organization, "top secret")
    rule(organization, "secret")
    result = check_text(organization=organization, network=Network.LINKEDIN, text="a top secret b")
    marked = "".join(s.text for s in result.segments if s.marked)
    assert marked == "top secret"
    assert "".join(s.text for s in result.segments) == result.text


@pytest.mark.parametrize(
    "text",
    [
        "Visit https://competitor.example/x",
        "Visit https://www.competitor.example.",
        "(see https://shop.competitor.example/deal)",
    ],
)
def test_denied_domain_is_found_on_top_level_domains_twitter_text_does_not_know(organization, text):
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DENIED_DOMAIN, value="competitor.example"
    )
    result = check_text(organization=organization, network=Network.LINKEDIN, text=text)
    [finding] = result.findings
    assert finding.rule == "denied_domain"
    assert "competitor.example" in result.text[finding.start : finding.end]
    assert not result.text[finding.end - 1].isspace()
    assert result.text[finding.end - 1] not in ".)"


# Look-alike letters, direction overrides, bare domains --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We guarantеed it",  # Cyrillic е (U+0435)
        "We guαranteed it",  # Greek α (U+03B1)
        "We GUARANTЕED it",  # Cyrillic Е (U+0415)
        "We GUARANΤEED it",  # Greek Τ (U+03A4)
        "We GUARANТEED it",  # Cyrillic Т (U+0422): its small letter looks like no Latin one
        "We ɡuaranteed it",  # Latin script g (U+0261)
    ],
)
def test_blocked_term_written_with_look_alike_letters_of_other_scripts_is_found(organization, text):
    rule(organization, "guaranteed")
    [(matched, start, end)] = found(organization, text)
    assert (start, end) == (3, 13)
    assert matched == text[3:13]


def test_look_alike_term_is_found_when_the_rule_itself_has_look_alike_letters(organization):
    rule(organization, "guarаnteed")  # Cyrillic а in the rule
    assert [f[0] for f in found(organization, "Guaranteed returns")] == ["Guaranteed"]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        # The confusables data reads l, I and 1 alike, 0 and O alike, "rn" like m:
        # ordinary words must not match one another through them.
        ("tall", "A TAIL, a ta1l, a taII"),
        ("burn", "bum"),
        ("modern", "rnodern"),
        ("good", "g00d"),
        # Words of other languages keep their own letters.
        ("нет", "НЕТ"),
        ("σοφία", "ΣΟΦΊΑ"),
    ],
)
def test_look_alike_folding_leaves_ordinary_text_alone(organization, term, text):
    rule(organization, term)
    expected = [text] if term in ("нет", "σοφία") else []
    assert [f[0] for f in found(organization, text)] == expected


def test_term_reversed_inside_a_right_to_left_override_is_found(organization):
    rule(organization, "guaranteed")
    rule(organization, "top secret")
    # Both display as "guaranteed" and "top secret".
    text = "Returns \u202edeetnaraug\u202c and \u202eterces pot"
    findings = [
        f
        for f in check_text(organization=organization, network=Network.LINKEDIN, text=text).findings
        if f.rule == RuleKind.BLOCKED_TERM
    ]
    assert [(f.text, f.start, f.end) for f in findings] == [
        ("deetnaraug", 9, 19),
        ("terces pot", 26, 36),
    ]


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_text_with_direction_override_or_isolate_characters_is_refused(organization, control):
    text = f"Great {control}news\u202c today"
    result = check_text(organization=organization, network=Network.LINKEDIN, text=text)
    [finding] = result.findings
    assert finding.rule == "bidi_control"
    assert finding.action == RuleAction.BLOCK
    assert result.blocked
    assert "reading direction" in finding.message
    assert text[finding.start] == control


def test_direction_marks_are_not_refused(organization):
    # Left-to-right and right-to-left marks only nudge punctuation; they reorder nothing.
    result = check_text(
        organization=organization, network=Network.LINKEDIN, text="\u200fשלום\u200e world"
    )
    assert result.findings == []


@pytest.mark.parametrize(
    ("domain", "text", "link"),
    [
        ("evil.example", "Go to evil.example/x now", "evil.example/x"),
        ("bücher.de", "Kauf bei bücher.de/x ein", "bücher.de/x"),
        ("bücher.de", "Kauf bei BÜCHER.DE.", "BÜCHER.DE"),
        ("x.com", "Follow www.x.com!", "www.x.com"),
        ("my-shop.com", "Buy at my-shop.com/deal", "my-shop.com/deal"),
        ("пример.рф", "Смотри пример.рф/x сегодня", "пример.рф/x"),
        ("ünï.de", "See ünï.de", "ünï.de"),
        ("evil.com", "詳しくはevil.comへ", "evil.com"),
    ],
)
def test_bare_domains_without_a_scheme_are_links(organization, domain, text, link):
    rule(organization, domain, kind=RuleKind.DENIED_DOMAIN)
    [finding] = check_text(organization=organization, network=Network.LINKEDIN, text=text).findings
    assert finding.rule == RuleKind.DENIED_DOMAIN
    assert text[finding.start : finding.end] == finding.text == link


def test_bare_domain_outside_the_allowed_domains_is_found(organization):
    rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN)
    assert [f[0] for f in found(organization, "See evil.example/x and пример.рф")] == [
        "evil.example/x",
        "пример.рф",
    ]


def test_e_mail_addresses_and_file_names_are_not_links(organization):
    rule(organization, "example.com", kind=RuleKind.ALLOWED_DOMAIN)
    text = (
        "Write to bob@other.com or anna.maria@bücher.de, open file.txt or notes.pdf, "
        "e.g. this, i.e. that, U.S.A. and node.js; version 1.2.3 costs 3.50 EUR"
    )
    assert found(organization, text) == []


def test_look_alike_finding_says_the_letters_only_look_alike(organization):
    rule(organization, "guaranteed")
    [finding] = check_text(
        organization=organization, network=Network.LINKEDIN, text="guarаnteed"
    ).findings
    assert "looks like the blocked term “guaranteed”" in finding.message
    assert "look-alike letters" in finding.message
