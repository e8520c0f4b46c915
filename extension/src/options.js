// The options page: the Chorus address and the member's personal API token.
//
// Saving asks the browser for permission to reach that address (and only that one), then
// tests the token ("Signed in as …") before keeping both in this browser's local storage
// (never synchronised to other devices).

import {
  callApi,
  chorusOrigin,
  ext,
  forgetSettings,
  loadSettings,
  message,
  originPattern,
  saveSettings,
  say,
  translatePage,
} from "./common.js";

const $ = (id) => document.getElementById(id);

let saved = { address: "", token: "" };

function signedIn(me) {
  return message("signedInAs", [me.name || me.email, me.email, me.organization.name]);
}

function showTokensPage() {
  const origin = chorusOrigin($("address").value);
  const link = $("tokens-page");
  link.hidden = !origin;
  if (origin) link.href = `${origin}/settings/#api-tokens`;
}

function showSaved() {
  $("token").placeholder = saved.token ? message("tokenSavedPlaceholder") : "";
  $("forget").hidden = !saved.address;
}

async function test(settings, status) {
  const me = await callApi(settings, "GET", "/me");
  say(status, signedIn(me), "success");
}

// The browser asks the member first; it must happen in the click itself, before any wait.
function askPermission(origin) {
  return ext.permissions.request({ origins: [originPattern(origin)] });
}

function onSubmit(event) {
  event.preventDefault();
  const status = $("status");
  const origin = chorusOrigin($("address").value);
  if (!origin) {
    say(status, message("errorAddress"), "error");
    $("address").setAttribute("aria-invalid", "true");
    $("address").focus();
    return;
  }
  $("address").removeAttribute("aria-invalid");
  const token = $("token").value.trim() || (origin === saved.address ? saved.token : "");
  if (!token) {
    say(status, message("errorTokenMissing"), "error");
    $("token").setAttribute("aria-invalid", "true");
    $("token").focus();
    return;
  }
  $("token").removeAttribute("aria-invalid");
  const asked = askPermission(origin);
  const button = $("save");
  button.disabled = true;
  say(status, message("testing"));
  asked
    .then(async (granted) => {
      if (!granted) {
        say(status, message("errorPermission", [origin]), "error");
        return;
      }
      const settings = { address: origin, token };
      await test(settings, status);
      await saveSettings(settings);
      saved = settings;
      $("address").value = origin;
      $("token").value = "";
      showSaved();
    })
    .catch((error) => say(status, error.message, "error"))
    .finally(() => {
      button.disabled = false;
    });
}

async function onForget() {
  const origin = saved.address;
  await forgetSettings();
  if (origin) {
    try {
      await ext.permissions.remove({ origins: [originPattern(origin)] });
    } catch {
      // A permission granted some other way stays; the settings are gone either way.
    }
  }
  saved = { address: "", token: "" };
  $("address").value = "";
  $("token").value = "";
  showSaved();
  showTokensPage();
  say($("status"), message("forgotten"), "success");
}

async function main() {
  translatePage();
  $("settings-form").addEventListener("submit", onSubmit);
  $("forget").addEventListener("click", onForget);
  $("address").addEventListener("input", showTokensPage);
  saved = await loadSettings();
  $("address").value = saved.address;
  showSaved();
  showTokensPage();
  if (saved.address && saved.token) {
    test(saved, $("status")).catch((error) => say($("status"), error.message, "error"));
  }
}

main();
