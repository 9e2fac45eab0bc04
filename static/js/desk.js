/* Staff desk pages: buttons marked data-print print the page (the case page's 台账; CSP forbids inline handlers). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();
