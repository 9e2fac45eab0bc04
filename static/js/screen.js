/* Hall screen: fetch the live part as JSON every few minutes and swap it in (no page reload, so nothing
   reloads under a screen reader). Without JavaScript the page is complete and simply does not refresh. */
(function () {
  "use strict";
  var live = document.getElementById("screen-live");
  if (!live || !window.fetch) {
    return;
  }
  var src = live.getAttribute("data-src");
  var every = Math.max(60, parseInt(live.getAttribute("data-refresh"), 10) || 180) * 1000;

  function note(text) {
    var slot = live.querySelector("[data-screen-note]");
    if (slot) {
      slot.textContent = text;
    }
  }

  function refresh() {
    fetch(src, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        live.innerHTML = data.html; // rendered (and escaped) by the server's template
        live.setAttribute("data-updated", data.updated);
      })
      .catch(function () {
        note("（暂时无法更新，稍后重试）");
      });
  }

  window.setInterval(refresh, every);
})();
