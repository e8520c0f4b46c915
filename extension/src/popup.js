// The popup: suggest the page to Chorus and, when the page is a live post of the member's
// feed, copy their tracked link and open the share dialog. It never shares by itself.
//
// The page's address goes to Chorus only from here: when the member opens the popup on
// it (to ask whether it is a post) and when they suggest it.

import { callApi, chorusOrigin, ext, loadSettings, message, say, translatePage } from "./common.js";

const REASON_MAX_LENGTH = 1000;

const $ = (id) => document.getElementById(id);

// The tab the popup is about: the one named by ?tab=<id> (the popup opened as a page), or
// the active tab of the window (the toolbar button; activeTab lets us read its address).
async function currentTab() {
  const named = new URLSearchParams(location.search).get("tab");
  if (named && /^\d+$/.test(named)) {
    return ext.tabs.get(Number(named));
  }
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function isWebPage(address) {
  try {
    const url = new URL(address);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function busy(button, working) {
  button.disabled = working;
  button.setAttribute("aria-busy", working ? "true" : "false");
}

async function suggest(settings, tab) {
  const button = $("suggest-button");
  const status = $("suggest-status");
  const note = $("note").value.trim();
  // Chorus asks why the page matters; without a note, the page's title says what it is.
  const reason = (note || (tab.title || "").trim() || tab.url).slice(0, REASON_MAX_LENGTH);
  busy(button, true);
  say(status, message("suggesting"));
  try {
    await callApi(settings, "POST", "/suggestions", { url: tab.url, reason });
    say(status, message("suggested"), "success");
    button.hidden = true;
    $("note").readOnly = true;
  } catch (error) {
    say(status, error.message, "error");
  } finally {
    busy(button, false);
  }
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function showLink(link) {
  $("tracked").hidden = false;
  $("post-actions").hidden = true;
  const field = $("tracked-link");
  field.value = link;
  return field;
}

async function shareWithTrackedLink(settings, tab) {
  const button = $("share-link");
  const status = $("post-status");
  busy(button, true);
  say(status, message("gettingLink"));
  try {
    const answer = await callApi(settings, "POST", "/extension/page/link", { url: tab.url });
    const field = showLink(answer.link);
    const dialog = $("open-dialog");
    dialog.dataset.url = answer.share_url;
    if (await copy(answer.link)) {
      say(status, message("linkCopied"), "success");
    } else {
      field.select();
      say(status, message("linkNotCopied"), "info");
    }
    dialog.focus();
  } catch (error) {
    say(status, error.message, "error");
  } finally {
    busy(button, false);
  }
}

// Opens the share dialog in a tab, only when Chorus gave an address on its own site.
async function openShareDialog(settings) {
  const address = $("open-dialog").dataset.url || "";
  let url;
  try {
    url = new URL(address);
  } catch {
    return;
  }
  if (url.origin !== settings.address) {
    say($("post-status"), message("errorForeignAddress", [settings.address]), "error");
    return;
  }
  await ext.tabs.create({ url: url.href });
  window.close();
}

async function lookUpPost(settings, tab) {
  let post;
  try {
    post = await callApi(settings, "GET", `/extension/page?url=${encodeURIComponent(tab.url)}`);
  } catch (error) {
    // 404: the page is no post of the member's feed, the usual case: nothing to show.
    if (error.status !== 404) say($("status"), error.message, "error");
    return;
  }
  $("post").hidden = false;
  $("post-title").textContent = post.title;
  $("open-dialog").dataset.url = post.share_url;
  if (!post.may_share) {
    $("post-actions").hidden = true;
    $("post-refused").hidden = false;
    const list = $("post-reasons");
    list.replaceChildren(
      ...post.reasons.map((reason) => {
        const item = document.createElement("li");
        item.textContent = reason;
        return item;
      }),
    );
  }
}

async function main() {
  translatePage();
  $("open-options").addEventListener("click", () => {
    ext.runtime.openOptionsPage();
    window.close();
  });
  const settings = await loadSettings();
  if (!chorusOrigin(settings.address) || !settings.token) {
    $("setup").hidden = false;
    return;
  }
  const tab = await currentTab();
  if (!tab || !tab.url || !isWebPage(tab.url)) {
    $("unsuitable").hidden = false;
    return;
  }
  $("suggest").hidden = false;
  $("page-title").textContent = tab.title || "";
  $("page-address").textContent = tab.url;
  $("suggest-form").addEventListener("submit", (event) => {
    event.preventDefault();
    suggest(settings, tab);
  });
  $("share-link").addEventListener("click", () => shareWithTrackedLink(settings, tab));
  $("copy-link").addEventListener("click", async () => {
    const copied = await copy($("tracked-link").value);
    say($("post-status"), message(copied ? "linkCopied" : "linkNotCopied"), copied ? "success" : "info");
  });
  $("open-dialog").addEventListener("click", () => openShareDialog(settings));
  await lookUpPost(settings, tab);
}

main();
