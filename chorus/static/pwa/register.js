// Registers Chorus' service worker (the offline page and notifications), from the address
// base.html gives in data-service-worker. A browser without service workers, or one that
// refuses them (a private window), simply goes without: nothing else depends on it.
(function () {
  const script = document.currentScript;
  const url = script && script.dataset.serviceWorker;
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: "/" }).catch(() => {});
})();
