// Sign-in discovery: once the work email is typed, ask Chorus whether its domain signs in
// through the organization's identity provider. If so, offer "Continue with <provider>"
// (and hide the password where single sign-on is required). Without this script the
// form still works: an email with single sign-on and no password goes to the provider.
(function () {
  "use strict";
  var input = document.getElementById("id_login");
  var choice = document.getElementById("sign-in-sso");
  var passwordBlock = document.getElementById("sign-in-password");
  if (!input || !choice || !passwordBlock || !input.dataset.discover) {
    return;
  }
  var button = choice.querySelector("button");
  var hidden = choice.querySelector('input[name="login"]');
  var timer = null;
  var last = null;

  function show(data) {
    if (data) {
      button.textContent = data.label;
      choice.hidden = false;
      passwordBlock.hidden = Boolean(data.required);
    } else {
      choice.hidden = true;
      passwordBlock.hidden = false;
    }
  }

  function check() {
    var email = input.value.trim();
    if (email === last) {
      return;
    }
    last = email;
    hidden.value = email;
    if (email.indexOf("@") < 1) {
      show(null);
      return;
    }
    fetch(input.dataset.discover + "?email=" + encodeURIComponent(email), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (input.value.trim() === email) {
          show(data && data.sso ? data : null);
        }
      })
      .catch(function () {
        // Offline or refused: the password form still works.
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  });
  input.addEventListener("change", check);
  check();
})();
