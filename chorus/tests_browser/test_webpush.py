"""Chorus as an installable app and Web Push, in a real browser on a 390 px phone: the
manifest is linked and valid, the service worker takes the whole site, an offline
navigation shows the offline page, and a member allows notifications on the device, gets
a test through a push service on loopback and removes the device.

Headless Chromium cannot subscribe to a real push service without Google's network, so the
browser's `PushManager.subscribe` answers with a subscription to the loopback push service
(keys made by the test, as a browser makes them); everything after it is real: the page's
script, the CSRF-protected POST, the pages, the encryption and the VAPID signature.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.services.keys import vapid_public_key
from chorus.notifications.webpush.tests.pushservice import PushService

# The loopback push service, as a fixture of this module.
from chorus.notifications.webpush.tests.pushservice import push_service as push_service
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_axe_violations(page: Any) -> list[str]:
    if not AXE.exists():
        return []
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run('main', {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']}" for v in result if v["impact"] in ("serious", "critical")]


def width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def controlled(page: Any) -> None:
    """Wait until the service worker is active and controls the page."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_the_app_is_installable_and_shows_the_offline_page_offline(page: Any, live_server: Any):
    page.goto("/accounts/login/")

    href = page.get_attribute('link[rel="manifest"]', "href")
    assert href == "/manifest.webmanifest"
    answer = page.request.get(live_server.url + href)
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(answer.text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        image = page.request.get(live_server.url + icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png", icon
    controlled(page)
    script = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert script == live_server.url + "/sw.js"
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == (
        live_server.url + "/"
    )

    page.context.set_offline(True)
    try:
        response = page.goto("/feed/")
        assert response is not None and response.status == 200
        page.get_by_role("heading", name="You are offline").wait_for()
        # It is shown at the address that could not be opened, which "Try again" reopens.
        assert page.url == live_server.url + "/feed/"
        assert page.get_by_role("link", name="Try again").get_attribute("href") == ""
        assert width(page) <= PHONE
        assert serious_axe_violations(page) == []
    finally:
        page.context.set_offline(False)
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="You are offline").count() == 0


def test_the_offline_cache_holds_no_personal_page(page: Any, live_server: Any):
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=acme, user__email="maya@acme.test", program_status=ProgramStatus.JOINED
    )
    sign_in(page, "maya@acme.test")
    controlled(page)
    page.goto("/feed/")
    page.goto("/me/devices/")

    cached = page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        }"""
    )

    paths = sorted(url.removeprefix(live_server.url) for url in cached)
    assert "/offline/" in paths
    assert all(path == "/offline/" or path.startswith("/static/") for path in paths), paths


def test_a_notification_opens_only_pages_of_this_site(page: Any, live_server: Any):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto("/accounts/login/")
    controlled(page)
    [worker] = page.context.service_workers

    shown = worker.evaluate(
        """async () => {
          const data = JSON.stringify({title: "Your share failed", body: "Try again",
                                       url: "https://evil.example/phish", tag: "shares"});
          self.dispatchEvent(new PushEvent("push", {data}));
          await new Promise((resolve) => setTimeout(resolve, 300));
          return (await self.registration.getNotifications()).map(
            (n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
        }"""
    )
    opened = worker.evaluate(
        """() => [ownPage("/posts/7/share/"), ownPage("https://evil.example/"),
                  ownPage("javascript:alert(1)"), ownPage(undefined)]"""
    )

    assert shown == [
        {
            "title": "Your share failed",
            "body": "Try again",
            "tag": "shares",
            "url": live_server.url + "/",
        }
    ]
    home = live_server.url + "/"
    assert opened == [live_server.url + "/posts/7/share/", home, home, home]


# The browser's side of subscribing: answers with a subscription to the loopback push
# service, records what the page asked for, and remembers it across reloads (sessionStorage)
# as a browser does.
FAKE_PUSH_MANAGER = """
(() => {
  const subscription = %s;
  const current = () => {
    const asked = sessionStorage.getItem("subscribedWith");
    if (!asked) return null;
    const key = Uint8Array.from(atob(JSON.parse(asked).key), (c) => c.charCodeAt(0));
    return {
      endpoint: subscription.endpoint,
      options: { applicationServerKey: key.buffer, userVisibleOnly: true },
      toJSON: () => subscription,
      unsubscribe: async () => { sessionStorage.removeItem("subscribedWith"); return true; },
    };
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    sessionStorage.setItem("subscribedWith", JSON.stringify({
      userVisibleOnly: options.userVisibleOnly,
      key: btoa(String.fromCharCode(...key)),
    }));
    return current();
  };
  PushManager.prototype.getSubscription = async function () { return current(); };
})();
"""


def test_a_member_allows_notifications_gets_a_test_and_removes_the_device(
    page: Any, live_server: Any, push_service: PushService
):
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    maya: Any = MembershipFactory(
        organization=acme, user__email="maya@acme.test", program_status=ProgramStatus.JOINED
    )
    browser = push_service.browser()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(browser.subscription_json()))
    sign_in(page, "maya@acme.test")

    page.goto("/me/devices/")
    assert page.get_by_text("No device gets notifications from Chorus yet.").is_visible()
    assert width(page) <= PHONE
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Allow notifications on this device").click()
    page.get_by_text("Notifications are on for HeadlessChrome").first.wait_for()

    subscription = PushSubscription.objects.get(membership=maya)
    assert subscription.endpoint == browser.endpoint
    assert subscription.p256dh == browser.p256dh
    # The page subscribed with the deployment's key, for notifications the member sees.
    asked = json.loads(page.evaluate("sessionStorage.getItem('subscribedWith')"))
    assert asked["userVisibleOnly"] is True
    assert base64.b64decode(asked["key"]) == base64.urlsafe_b64decode(vapid_public_key() + "=")
    page.get_by_text("Notifications are on for this device.").wait_for()
    assert page.get_by_text("(This device)").is_visible()
    assert page.get_by_role("button", name="Allow notifications on this device").is_hidden()
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size({"width": viewport, "height": 900})
        assert width(page) <= viewport
        assert serious_axe_violations(page) == []
    page.set_viewport_size({"width": PHONE, "height": 844})

    page.get_by_role("button", name=re.compile(r"^Send a test")).click()
    page.get_by_text("Sent: the test should appear").wait_for()
    assert push_service.problems == []
    [push] = push_service.received
    assert push.payload["title"] == "Notifications work on this device"
    assert push.payload["url"].endswith("/me/devices/")

    page.get_by_role("button", name=re.compile(r"^Remove")).click()
    page.locator("#confirm-dialog-ok").click()
    page.get_by_text("no longer gets notifications").wait_for()
    assert not PushSubscription.objects.filter(membership=maya).exists()
