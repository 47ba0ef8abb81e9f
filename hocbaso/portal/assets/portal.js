// Parents' portal: registers the service worker (offline reading of the last pages seen) and
// clears every cached page at logout, so the next person on this phone sees nothing.
(function () {
  "use strict";
  var sw = navigator.serviceWorker;
  function clearCaches() {
    if (sw && sw.controller) sw.controller.postMessage("logout");
    if (window.caches) return caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    });
    return Promise.resolve();
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute("data-logout") || form.dataset.cleared) return;
    ev.preventDefault();
    clearCaches().then(function () { form.dataset.cleared = "1"; form.submit(); });
  });
  if (document.querySelector("[data-logged-out-note]")) clearCaches();
  if (sw && window.isSecureContext) {
    sw.register("/phu-huynh/sw.js", { scope: "/phu-huynh/" }).catch(function () {
      // a navigation cut the registration short: the next page registers it again
    });
  }
  function online() {
    var note = document.querySelector("[data-offline]");
    if (note) note.hidden = navigator.onLine;
  }
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  online();
})();
