// The share dialog's behaviours (the Content-Security-Policy allows no inline script).

// "Copy text" for networks whose share page takes only the link (LinkedIn, Facebook, Xing).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-field]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copyField);
  if (!field || !navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(() => {
    button.textContent = "Copied";
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
