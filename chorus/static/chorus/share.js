// The share dialog's behaviours (the Content-Security-Policy allows no inline script).

// "Copy text" for networks whose share page takes only the link (LinkedIn, Facebook, Xing).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-field]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copyField);
  if (!field || !navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(() => {
    button.textContent = button.dataset.copied || "Copied";
  });
});

// Opening a network's share page (in a new tab) records the share; once it is recorded,
// show "Done" and "Undo" here. The status asks the server again a few times if needed.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-share-open]");
  if (!form || !event.submitter || !event.submitter.classList.contains("share-open")) return;
  const status = document.getElementById("status-" + form.dataset.shareOpen);
  if (status && window.htmx) {
    window.setTimeout(() => window.htmx.trigger(status, "share-opened"), 600);
  }
});

// "Put the link back": the member's tracked link in place of the post's own link, or at
// the end on a line of its own (as the suggestion had it); the verdict is asked again.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-restore-link]");
  if (!button) return;
  const field = document.querySelector(button.dataset.restoreField);
  const link = button.dataset.restoreLink;
  if (!field || !link || field.value.includes(link)) return;
  const original = button.dataset.replaceLink;
  if (original && field.value.includes(original)) {
    field.value = field.value.replace(original, link);
  } else {
    const text = field.value.trim();
    field.value = text ? text + "\n\n" + link : link;
  }
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
});

// The live preview under the text: the member's words as typed (line breaks kept by the
// stylesheet), set as text so nothing they type is read as markup.
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!field.id) return;
  const preview = document.querySelector('[data-share-preview="' + CSS.escape(field.id) + '"]');
  const text = preview && preview.querySelector("[data-preview-text]");
  if (text) text.textContent = field.value;
});

// A network opened before htmx was ready (a quick tap while the page still loads) would
// stay on "Loading…": once htmx is ready, open networks are asked to load again. Their
// trigger fires once, so a network that did load is not fetched twice.
document.addEventListener("htmx:load", (event) => {
  if (event.target !== document.body) return;
  document.querySelectorAll("details.share-network[open]").forEach((details) => {
    details.dispatchEvent(new Event("toggle"));
  });
});
