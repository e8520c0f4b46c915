// "Allow notifications on this device" (notifications_webpush/devices.html): asks the
// browser for permission, subscribes it to push with the deployment's VAPID public key and
// sends the subscription to Chorus with the CSRF token. Every word shown comes from the
// section's data-* attributes, in the member's language.
(function () {
  const section = document.getElementById("push-allow");
  const offer = document.getElementById("push-allow-offer");
  const button = document.getElementById("push-allow-button");
  const status = document.getElementById("push-status");
  if (!section || !offer || !button || !status) return;
  const words = section.dataset;

  function say(text) {
    status.textContent = text || "";
  }

  // base64url (no padding) to bytes, as PushManager.subscribe wants applicationServerKey.
  function bytes(base64url) {
    const base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  }

  function sameKey(buffer, expected) {
    if (!buffer) return false;
    const given = new Uint8Array(buffer);
    return given.length === expected.length && given.every((value, index) => value === expected[index]);
  }

  async function digest(text) {
    const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(hash), (value) => value.toString(16).padStart(2, "0")).join("");
  }

  async function registration() {
    await navigator.serviceWorker.register(words.serviceWorker, { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  // Marks this device in the list; true when Chorus already knows its subscription.
  async function markThisDevice(subscription) {
    if (!subscription || !crypto.subtle) return false;
    const mine = await digest(subscription.endpoint);
    let known = false;
    document.querySelectorAll("[data-endpoint-digest]").forEach((row) => {
      if (row.dataset.endpointDigest !== mine) return;
      const marker = row.querySelector(".push-this-device");
      if (marker) {
        marker.textContent = "(" + words.thisDevice + ")";
        marker.hidden = false;
      }
      known = true;
    });
    return known;
  }

  async function allow() {
    button.disabled = true;
    say(words.working);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(words.denied);
        return;
      }
      const key = bytes(words.vapidKey);
      const pushManager = (await registration()).pushManager;
      let subscription = await pushManager.getSubscription();
      // Subscribed before with another key (the deployment's key changed): start again.
      if (subscription && !sameKey(subscription.options && subscription.options.applicationServerKey, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      if (!subscription) {
        subscription = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }
      const response = await fetch(words.subscribeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": words.csrf },
        body: JSON.stringify(subscription.toJSON()),
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      const answer = await response.json().catch(() => ({}));
      say(typeof answer.detail === "string" ? answer.detail : words.failed);
    } catch (error) {
      say(words.failed);
    } finally {
      button.disabled = false;
    }
  }

  async function start() {
    const supported =
      "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (!supported) {
      // iOS offers push only to web apps added to the Home Screen.
      const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
        (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
      say(ios ? words.installFirst : words.unsupported);
      return;
    }
    button.addEventListener("click", allow);
    let known = false;
    if (Notification.permission === "granted") {
      try {
        const subscription = await (await registration()).pushManager.getSubscription();
        known = await markThisDevice(subscription);
      } catch (error) {
        known = false;
      }
    }
    if (known) {
      say(words.on);
    } else {
      offer.hidden = false;
    }
  }

  start();
})();
