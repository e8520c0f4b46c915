"""Person or bot? Link-preview crawlers, other crawlers, HEAD requests and prefetches.

The named preview fetchers come first so we can say which one it was; the maintained
crawler-user-agents list catches the rest. Decisions are cached per user agent.
"""

from __future__ import annotations

import re
from functools import lru_cache

import crawleruseragents  # type: ignore[import-untyped]
from django.conf import settings

# (name, pattern): the link-preview fetchers of the networks and chat apps, by the
# user agents they document or send. In-app browsers (Instagram, Threads, LINE, Snapchat)
# carry their app's name too, but a person is behind those: they are not listed here.
PREVIEW_BOTS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in [
        ("LinkedInBot", r"LinkedInBot"),
        # Before Twitterbot: Telegram's fetcher says "TelegramBot (like TwitterBot)".
        ("TelegramBot", r"TelegramBot"),
        ("Twitterbot", r"Twitterbot"),
        ("facebookexternalhit", r"facebookexternalhit|facebookcatalog|FacebookBot"),
        ("meta-externalagent", r"meta-externalagent|meta-externalfetcher"),
        ("Slackbot", r"Slackbot|Slack-ImgProxy"),
        ("Discordbot", r"Discordbot"),
        ("WhatsApp", r"WhatsApp"),
        ("Bluesky", r"Bluesky|Cardyb"),
        ("Mastodon", r"Mastodon/"),
        ("Iframely", r"Iframely"),
        ("Embedly", r"Embedly"),
        ("Pinterestbot", r"Pinterestbot"),
        ("redditbot", r"redditbot"),
        ("Microsoft Teams", r"SkypeUriPreview|MicrosoftPreview"),
        (
            "Google",
            r"Googlebot|Google-InspectionTool|GoogleOther|FeedFetcher-Google|Google-PageRenderer",
        ),
        ("Bing", r"bingbot|BingPreview"),
        ("Applebot", r"Applebot"),
        ("XING", r"XING-contenttabreceiver"),
        ("vkShare", r"vkShare"),
        ("Yandex", r"YandexBot|YandexMetrika"),
    ]
]
# In-app browsers of social and chat apps: a person tapped a link inside the app. They are
# checked before the generic crawler list, whose broad patterns can match them (its "Sonic"
# matches the Slack desktop app). WhatsApp has no in-app browser (links open in the system
# browser), so a "WhatsApp/" user agent is always its preview fetcher.
IN_APP_BROWSERS = re.compile(
    r"FBAN/|FBAV/|FB_IAB/|\bInstagram \d|\[LinkedInApp\]|\bBarcelona \d|\bLine/\d"
    r"|\bSnapchat/\d|Slack_SSB/|\bdiscord/\d|Telegram-(Android|iOS)/|Twitter for (iPhone|iPad)"
    r"|\[Pinterest/(iOS|Android)\]|musical_ly_|BytedanceWebview|\bGSA/\d"
)
# Headers browsers send when they fetch a page speculatively, not because someone clicked.
PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


@lru_cache(maxsize=20_000)
def bot_name(user_agent: str) -> str:
    """The bot's name when the user agent is a crawler, "" for a browser."""
    if not user_agent.strip():
        return "no user agent"
    if user_agent == settings.HTTP_USER_AGENT:
        # Chorus itself, reading a link's page (a Bluesky link card is built from it).
        return "Chorus"
    for name, pattern in PREVIEW_BOTS:
        if pattern.search(user_agent):
            return name
    if IN_APP_BROWSERS.search(user_agent):
        return ""
    matches = crawleruseragents.matching_crawlers(user_agent)
    if matches:
        # Name it by the text the pattern matched ("Wget", not the pattern "[wW]get").
        listed = str(crawleruseragents.CRAWLER_USER_AGENTS_DATA[matches[0]]["pattern"])
        found = re.search(listed, user_agent)
        return (found.group(0).strip(" /;(") if found else "")[:100] or "crawler"
    return ""


def is_prefetch(environ: dict[str, str]) -> bool:
    for header in PREFETCH_HEADERS:
        value = environ.get(header)
        if value:  # almost always absent: the common case costs four lookups
            value = value.lower()
            if "prefetch" in value or "preview" in value or "prerender" in value:
                return True
    return False
