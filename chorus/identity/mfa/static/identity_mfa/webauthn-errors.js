// allauth's WebAuthn forms report a refused or cancelled key as an "allauth.error" event:
// show the page's own message (its words are in the template) instead of only the console.
(function () {
  document.addEventListener('allauth.error', function (event) {
    const tags = (event.detail && event.detail.tags) || []
    if (tags.indexOf('webauthn') === -1) return
    event.preventDefault()
    document.querySelectorAll('[data-webauthn-error]').forEach(function (element) {
      element.hidden = false
    })
  })
})()
