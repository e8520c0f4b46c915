// Small behaviours that the Content-Security-Policy would not allow inline.
// A form or button with data-confirm="..." asks before it submits, in an accessible modal
// dialog (confirm_dialog.html): focus starts on Cancel, Escape cancels, the confirm button
// says what the form's button said ("Delete", "Decline").
document.addEventListener("submit", (event) => {
  const form = event.target;
  const submitter = event.submitter;
  const message = form.dataset.confirm || (submitter && submitter.dataset.confirm);
  if (!message) return;
  if (form.dataset.confirmed === "yes") {
    delete form.dataset.confirmed;
    return;
  }
  event.preventDefault();
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    if (window.confirm(message)) {
      form.dataset.confirmed = "yes";
      form.requestSubmit(submitter || undefined);
    }
    return;
  }
  dialog.querySelector("#confirm-dialog-text").textContent = message;
  const ok = dialog.querySelector("#confirm-dialog-ok");
  const label = submitter && submitter.textContent.trim();
  ok.textContent = label || ok.dataset.label;
  const danger = Boolean(submitter && submitter.classList.contains("danger"));
  ok.classList.toggle("danger", danger);
  ok.classList.toggle("primary", !danger);
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    () => {
      if (dialog.returnValue === "confirm") {
        form.dataset.confirmed = "yes";
        form.requestSubmit(submitter || undefined);
      } else if (submitter) {
        submitter.focus();
      }
    },
    { once: true },
  );
  dialog.showModal();
});
// Copy buttons: <button data-copy="#element-id" data-copied="…">, the word they show once
// copied written by the template in the member's language.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.dataset.copied || "Copied";
  }
});
// Caption suggestions (writing help): "Use this text" puts the suggestion in its field and
// lets the field's own checks run (counter, rules), as if the member had typed it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-use-suggestion]");
  if (!button) return;
  const field = button.dataset.target && document.querySelector(button.dataset.target);
  if (!field || field.readOnly) return;
  field.value = button.dataset.useSuggestion;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
});
