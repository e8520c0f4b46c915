"""Person or bot, on the real user agents of the crawlers and browsers that follow shared links.

Sources of the user-agent strings (one comment per group below):
- CUA: the crawler-user-agents list (github.com/monperrus/crawler-user-agents,
  crawler-user-agents.json, the "instances" of each pattern; installed here as the
  `crawler-user-agents` package, so `test_the_list_itself_knows_these_crawlers` re-checks them).
- The networks' own crawler pages where they document it: LinkedIn "Make your website
  shareable" (LinkedInBot/1.0 ... Apache-HttpClient), Meta "The Facebook Crawler"
  (developers.facebook.com/docs/sharing/webmasters/crawler: facebookexternalhit/1.1,
  meta-externalagent/1.1), Slack "robots" (api.slack.com/robots: Slackbot-LinkExpanding 1.0),
  Google "Googlebot" and Bing "bingbot" crawler overviews.
- Bluesky's card fetcher Cardyb (github.com/bluesky-social/social-app, bskyweb cardyb) sends
  "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)".
- Mastodon's fetcher: "http.rb/<version> (Mastodon/<version>; +https://<instance>/)", from
  Mastodon's app/lib/request.rb (and the CUA instance for the pattern "Mastodon").
- In-app browsers: strings as captured from the apps and quoted in public bug reports and
  in-app-browser detectors (e.g. "[LinkedInApp]/9.32.2485", "[FBAN/FBIOS;FBAV/…]",
  "Instagram 300.0.0.18.110 (iPhone15,2; …)", Threads' "Barcelona <version>", "Line/14.10.0",
  "Snapchat/13.0.0.35 (like Safari/…)").

WhatsApp: its preview fetcher says "WhatsApp/<version> <platform letter>". WhatsApp has no
in-app browser: a person who taps a link in WhatsApp gets the phone's own browser (Safari,
Chrome, or the system's in-app tab, which sends the browser's user agent). So every
"WhatsApp/" request is the preview fetcher and counts as a preview, never as a click.
"""

from __future__ import annotations

import crawleruseragents
import pytest

from chorus.factories import PostFactory
from chorus.links.bots import bot_name, is_prefetch
from chorus.links.device import device_class
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app, drain

# (user agent, the name we record). Named preview fetchers of the issue first.
PREVIEW_FETCHERS = [
    # CUA and LinkedIn's documentation.
    (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "LinkedInBot",
    ),
    (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Jakarta Commons-HttpClient/3.1 "
        "+http://www.linkedin.com)",
        "LinkedInBot",
    ),
    # CUA ("Twitterbot/1.0").
    ("Twitterbot/1.0", "Twitterbot"),
    # CUA and Meta's crawler page.
    (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "facebookexternalhit",
    ),
    ("facebookexternalhit/1.1", "facebookexternalhit"),
    (
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
        "meta-externalagent",
    ),
    (
        "meta-externalfetcher/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
        "meta-externalagent",
    ),
    # CUA and api.slack.com/robots.
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot"),
    ("Slackbot 1.0 (+https://api.slack.com/robots)", "Slackbot"),
    ("Slack-ImgProxy (+https://api.slack.com/robots)", "Slackbot"),
    # CUA.
    ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "Discordbot"),
    # CUA: Telegram says it is "like TwitterBot"; it must be named Telegram, not Twitter.
    ("TelegramBot (like TwitterBot)", "TelegramBot"),
    # CUA ("WhatsApp/0.3.4479 N") and current Android/iOS fetchers.
    ("WhatsApp/2.23.20.0 A", "WhatsApp"),
    ("WhatsApp/2.24.13.80 i", "WhatsApp"),
    ("WhatsApp/0.3.4479 N", "WhatsApp"),
    # Bluesky's Cardyb.
    ("Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)", "Bluesky"),
    # Mastodon's fetcher, from any instance.
    ("http.rb/5.1.1 (Mastodon/4.2.10; +https://mastodon.social/)", "Mastodon"),
    ("http.rb/5.2.0 (Mastodon/4.3.2; +https://fosstodon.org/)", "Mastodon"),
    ("http.rb/2.2.2 (Mastodon/1.5.1; +https://example-masto-instance.org/)", "Mastodon"),
    # CUA.
    ("Iframely/1.3.1 (+https://iframely.com/docs/about) Atlassian", "Iframely"),
    ("Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)", "Embedly"),
    ("Embedly +support@embed.ly", "Embedly"),
]

OTHER_CRAWLERS = [
    # Google's and Bing's crawler overviews (smartphone Googlebot, bingbot's current form).
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/137.0.7151.119 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)",
        "Google",
    ),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Google"),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "Bing",
    ),
    # CUA (Applebot, Pinterestbot, redditbot, SkypeUriPreview, curl, Wget, python-requests).
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "Applebot",
    ),
    (
        "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
        "Pinterestbot",
    ),
    ("Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)", "redditbot"),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", "Microsoft Teams"),
    ("curl/8.5.0", "curl"),
    ("Wget/1.21.4", "Wget"),
    ("python-requests/2.32.3", "python-requests"),
    ("Mozilla/5.0 (compatible; SnapURLPreview/1.0; +https://www.snapchat.com)", "SnapURLPreview"),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "Yandex"),
]

# (user agent, device class): people, in browsers and in the apps' own browsers.
PEOPLE = {
    "iPhone Safari": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
        "mobile",
    ),
    "Android Chrome": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/137.0.0.0 Mobile Safari/537.36",
        "mobile",
    ),
    "Windows Chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/137.0.0.0 Safari/537.36",
        "desktop",
    ),
    "Windows Firefox": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:139.0) Gecko/20100101 Firefox/139.0",
        "desktop",
    ),
    "Windows Edge": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/137.0.0.0 Safari/537.36 Edg/137.0.3296.68",
        "desktop",
    ),
    # An iPad on iPadOS 13+ sends exactly this desktop string too: it counts as desktop.
    "Mac Safari": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.5 Safari/605.1.15",
        "desktop",
    ),
    "Linux Firefox": (
        "Mozilla/5.0 (X11; Linux x86_64; rv:139.0) Gecko/20100101 Firefox/139.0",
        "desktop",
    ),
    "iPad Safari (older iPadOS)": (
        "Mozilla/5.0 (iPad; CPU OS 12_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
        "tablet",
    ),
    "Galaxy Tab Chrome": (
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/137.0.0.0 Safari/537.36",
        "tablet",
    ),
    "Instagram iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Instagram 300.0.0.18.110 (iPhone15,2; iOS 17_5; de_DE; "
        "de-DE; scale=3.00; 1179x2556; 516374393)",
        "mobile",
    ),
    "Instagram Android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram "
        "343.0.0.33.101 Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 8; shiba; "
        "shiba; en_US; 626553131)",
        "mobile",
    ),
    "Facebook iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.39.108;FBBV/612345678;"
        "FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
        "mobile",
    ),
    "Facebook Android": (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 "
        "[FB_IAB/FB4A;FBAV/471.0.0.35.77;]",
        "mobile",
    ),
    "LinkedIn iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 [LinkedInApp]/9.32.2485",
        "mobile",
    ),
    "LinkedIn Android": (
        "Mozilla/5.0 (Linux; Android 14; SM-A176U Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 "
        "[LinkedInApp]/4.1.987",
        "mobile",
    ),
    "Threads iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Barcelona 339.0.0.19.109 (iPhone15,3; iOS 17_5; en_US; en; "
        "scale=3.00; 1290x2796; 617345921)",
        "mobile",
    ),
    "Threads Android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Barcelona "
        "343.0.0.33.101 Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 7; panther)",
        "mobile",
    ),
    "LINE iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Safari Line/14.10.0",
        "mobile",
    ),
    "LINE Android": (
        "Mozilla/5.0 (Linux; Android 13; SO-51C Build/64.1.D.0.155; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 "
        "Line/14.10.1/IAB",
        "mobile",
    ),
    "Snapchat iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Snapchat/13.0.0.35 (like Safari/8618.2.12.10.5, panda)",
        "mobile",
    ),
    "Snapchat Android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 "
        "Snapchat/13.0.0.35 (like Chrome/127.0.6533.103)",
        "mobile",
    ),
    "X iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Twitter for iPhone/10.48",
        "mobile",
    ),
    "Telegram Android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/127.0.6533.103 Mobile Safari/537.36 Telegram-Android/11.0.0 (Google Pixel 8; "
        "Android 14; SDK 34; HIGH)",
        "mobile",
    ),
    "Pinterest iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 [Pinterest/iOS]",
        "mobile",
    ),
    # The generic list's pattern "Sonic" matches the Slack desktop app; a person uses it.
    "Slack desktop app": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Slack/4.39.95 Chrome/126.0.6478.127 Electron/31.2.1 Safari/537.36 Sonic "
        "Slack_SSB/4.39.95",
        "desktop",
    ),
    "Discord desktop app": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "discord/1.0.9163 Chrome/124.0.6367.243 Electron/30.2.0 Safari/537.36",
        "desktop",
    ),
}


@pytest.mark.parametrize(("user_agent", "name"), PREVIEW_FETCHERS + OTHER_CRAWLERS)
def test_crawlers_are_bots_and_named(user_agent, name):
    assert bot_name(user_agent) == name


@pytest.mark.parametrize(("user_agent", "_name"), PREVIEW_FETCHERS + OTHER_CRAWLERS)
def test_the_list_itself_knows_these_crawlers(user_agent, _name):
    # Our named patterns come first, but the maintained list must agree they are crawlers,
    # or the strings above are not what the list documents.
    if "Mastodon" in user_agent or "Cardyb" in user_agent:
        pytest.skip("The list knows these fetchers only as 'Mastodon' / 'Bluesky/'.")
    assert crawleruseragents.is_crawler(user_agent)


@pytest.mark.parametrize("who", PEOPLE)
def test_people_are_not_bots(who):
    assert bot_name(PEOPLE[who][0]) == ""


@pytest.mark.parametrize("who", PEOPLE)
def test_device_class_of_people(who):
    user_agent, expected = PEOPLE[who]
    assert device_class(user_agent) == expected


@pytest.mark.parametrize(("user_agent", "_name"), PREVIEW_FETCHERS[:8] + OTHER_CRAWLERS[:3])
def test_device_class_of_crawlers_that_parse_as_spiders(user_agent, _name):
    assert device_class(user_agent) == "bot"


@pytest.mark.parametrize("user_agent", ["", "   "])
def test_no_user_agent_is_a_bot(user_agent):
    assert bot_name(user_agent) == "no user agent"
    assert device_class("") == "other"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_PURPOSE": "preview"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_X_PURPOSE": "Preview"},
    ],
)
def test_prefetch_headers_are_previews(headers):
    assert is_prefetch(headers)


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_SEC_FETCH_MODE": "navigate"}, {"HTTP_PURPOSE": ""}, {"HTTP_X_MOZ": "x"}]
)
def test_ordinary_navigation_is_not_a_prefetch(headers):
    assert not is_prefetch(headers)


# Through the redirect: what gets stored for each.


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


@pytest.fixture
def link(organization):
    post = PostFactory(organization=organization, link_url="https://acme.example/", state="live")
    return link_mint(post=post)


def test_every_preview_fetcher_is_stored_as_a_preview_with_its_name(edge, link):
    for user_agent, _name in PREVIEW_FETCHERS:
        assert call(edge, f"/l/{link.code}", ua=user_agent)[0] == 302
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks, link.previews) == (0, 0, len(PREVIEW_FETCHERS))
    stored = list(Click.objects.order_by("pk").values_list("kind", "bot_name", "device_class"))
    assert stored == [("bot", name, "bot") for _ua, name in PREVIEW_FETCHERS]


def test_people_in_browsers_and_in_app_browsers_are_clicks(edge, link):
    for who in PEOPLE:
        call(edge, f"/l/{link.code}", ua=PEOPLE[who][0])
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks, link.previews) == (len(PEOPLE), len(PEOPLE), 0)
    assert set(Click.objects.values_list("kind", "bot_name")) == {("click", "")}
    assert sorted(Click.objects.values_list("device_class", flat=True)) == sorted(
        device for _ua, device in PEOPLE.values()
    )


@pytest.mark.parametrize(
    ("method", "headers", "kind"),
    [
        ("HEAD", {}, "head"),
        ("GET", {"HTTP_SEC_PURPOSE": "prefetch"}, "prefetch"),
        ("GET", {"HTTP_PURPOSE": "prefetch"}, "prefetch"),
        ("GET", {"HTTP_X_PURPOSE": "preview"}, "prefetch"),
        ("GET", {"HTTP_X_MOZ": "prefetch"}, "prefetch"),
        # A crawler's HEAD is a bot first: the name says more than the method.
    ],
)
def test_head_and_prefetch_by_a_browser_are_previews(edge, link, method, headers, kind):
    status, response_headers, body = call(edge, f"/l/{link.code}", method=method, **headers)
    assert status == 302 and body == b""
    assert response_headers["Location"] == link.destination
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.previews) == (0, 1)
    assert Click.objects.get().kind == kind


def test_a_crawlers_head_request_is_recorded_as_that_bot(edge, link):
    call(edge, f"/l/{link.code}", method="HEAD", ua="Twitterbot/1.0")
    drain(edge)
    assert list(Click.objects.values_list("kind", "bot_name")) == [("bot", "Twitterbot")]


def test_chorus_reading_a_link_for_a_link_card_is_a_bot_not_a_click(settings):
    # The Bluesky adapter fetches the shared (tracked) link to build the post's card.
    assert bot_name(settings.HTTP_USER_AGENT) == "Chorus"
