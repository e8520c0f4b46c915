"""Caption suggestions: a few alternatives in the member's own voice, fitted to the network.

They come from the OpenAI-compatible endpoint the organization's admin configured (off by
default), through the SSRF-safe client. What is sent is exactly what `sent_summary` says:
the post's title, commentary and link, the member's draft, and up to three of the member's
own earlier captions as examples of their voice; never a name or an email address. Every
suggestion is checked by the organization's compliance rules and the network's length
limit, and only those that pass are offered. Nothing is ever shared without the member.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx
import openai
from django.conf import settings
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization
from chorus.content.compliance import CheckResult, check_text, policy_for
from chorus.content.models import ComplianceRule, Network
from chorus.core.http import SafeTransport
from chorus.writing.selectors.settings import writing_settings_for

TIMEOUT_SECONDS = 30.0
MAX_SUGGESTIONS = 3
MAX_SAMPLES = 3
MAX_FIELD = 2000  # characters of each text sent
MAX_ANSWER_TOKENS = 800


class WritingUnavailable(Exception):
    """Writing help is off, or its endpoint could not give suggestions (a readable reason)."""


@dataclass(frozen=True)
class Draft:
    """What the member (or curator) is writing, and for which network."""

    network: str
    title: str
    commentary: str = ""
    caption: str = ""
    link_url: str = ""
    voice_samples: tuple[str, ...] = ()


@dataclass
class Suggestions:
    items: list[CheckResult] = field(default_factory=list)
    dropped: int = 0  # suggestions the rules or the length limit refused


def sent_summary(*, organization: Organization) -> str:
    """In plain words, what a suggestion request sends and to whom."""
    settings_row = writing_settings_for(organization=organization)
    host = httpx.URL(settings_row.base_url).host if settings_row.base_url else _("the endpoint")
    return _(
        "Sent to %(host)s: the post's title, commentary and link, your draft, and up to "
        "three of your earlier captions as examples of your voice. No names or email "
        "addresses."
    ) % {"host": host}


def _client(base_url: str, api_key: str) -> openai.OpenAI:
    http = httpx.Client(
        transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        trust_env=False,
    )
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",
        http_client=http,
        max_retries=1,
        timeout=TIMEOUT_SECONDS,
    )


def _messages(draft: Draft, limit: int) -> list[dict[str, str]]:
    network = (
        str(Network(draft.network).label) if draft.network in Network.values else draft.network
    )
    rules = (
        f"You help an employee write a post for {network} about their company's news, in "
        "their own voice: first person, natural, specific, no hype, no hashtags unless the "
        "draft has them, nothing invented beyond the facts given. Write "
        f"{MAX_SUGGESTIONS} different alternatives, each at most {limit - 30} characters. "
        'Answer with JSON only: {"captions": ["...", "...", "..."]}.'
    )
    parts = [f"Post title: {draft.title[:MAX_FIELD]}"]
    if draft.commentary:
        parts.append(f"What the communications team says about it: {draft.commentary[:MAX_FIELD]}")
    if draft.link_url:
        parts.append(f"Link (added to every caption for you): {draft.link_url[:MAX_FIELD]}")
    if draft.caption:
        parts.append(f"The employee's draft: {draft.caption[:MAX_FIELD]}")
    samples = [sample[:MAX_FIELD] for sample in draft.voice_samples[:MAX_SAMPLES] if sample]
    if samples:
        parts.append("Earlier posts by the employee, for their voice:\n- " + "\n- ".join(samples))
    return [{"role": "system", "content": rules}, {"role": "user", "content": "\n\n".join(parts)}]


def _captions(answer: str) -> list[str]:
    """The captions in the model's answer: JSON as asked, or else one per line."""
    text = answer.strip()
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("captions"), list):
        found = [str(item) for item in data["captions"] if isinstance(item, str | int | float)]
    else:
        found = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in text.splitlines()]
    cleaned = [
        " ".join(caption.split()) if "\n" not in caption else caption.strip() for caption in found
    ]
    return [caption for caption in dict.fromkeys(cleaned) if caption][: MAX_SUGGESTIONS * 2]


def _with_link(caption: str, link_url: str) -> str:
    if link_url and link_url not in caption:
        return f"{caption.rstrip()} {link_url}"
    return caption


def caption_suggestions(*, organization: Organization, draft: Draft) -> Suggestions:
    """Ask the organization's endpoint for alternatives and keep those the rules allow.

    Raises WritingUnavailable when writing help is off or the endpoint fails (the message
    says why, in words a member can read).
    """
    row = writing_settings_for(organization=organization)
    if not (row.enabled and row.base_url and row.model):
        raise WritingUnavailable(_("Caption suggestions are not switched on in this organization."))
    rules = list(ComplianceRule.objects.filter(organization=organization))
    policy = policy_for(organization=organization)
    limit = check_text(
        organization=organization, network=draft.network, text="", rules=rules, policy=policy
    ).limit
    try:
        completion = _client(row.base_url, row.api_key).chat.completions.create(
            model=row.model,
            messages=_messages(draft, limit),  # type: ignore[arg-type]
            temperature=0.8,
            max_tokens=MAX_ANSWER_TOKENS,
        )
    except openai.APITimeoutError as error:
        raise WritingUnavailable(_("The writing service took too long to answer.")) from error
    except openai.APIConnectionError as error:
        raise WritingUnavailable(_("The writing service could not be reached.")) from error
    except openai.AuthenticationError as error:
        raise WritingUnavailable(_("The writing service refused the key; ask an admin.")) from error
    except openai.RateLimitError as error:
        raise WritingUnavailable(
            _("The writing service is busy; try again in a minute.")
        ) from error
    except openai.APIError as error:
        raise WritingUnavailable(_("The writing service could not answer this time.")) from error
    answer = completion.choices[0].message.content if completion.choices else None
    result = Suggestions()
    for caption in _captions(answer or ""):
        checked = check_text(
            organization=organization,
            network=draft.network,
            text=_with_link(caption, draft.link_url),
            link_url=draft.link_url,
            rules=rules,
            policy=policy,
        )
        if checked.blocked or checked.length > checked.limit:
            result.dropped += 1
            continue
        if len(result.items) < MAX_SUGGESTIONS:
            result.items.append(checked)
    if not result.items:
        raise WritingUnavailable(
            _("No suggestion passed the organization's rules this time.")
            + " "
            + _("Try again, or write your own.")
        )
    return result
