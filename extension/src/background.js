// The extension's only background work: on first install, open the options page so the
// member can enter their Chorus address and token. Nothing runs on the pages they visit.
const ext = globalThis.browser ?? globalThis.chrome;

ext.runtime.onInstalled.addListener((details) => {
  if (details.reason === "install") {
    ext.runtime.openOptionsPage();
  }
});
