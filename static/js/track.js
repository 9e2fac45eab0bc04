/* Read-aloud for resident pages: buttons with data-speak="<element id>" read that element in zh-CN.
   Buttons ship hidden and are shown only where the browser supports speech synthesis, so nothing
   breaks (or appears) elsewhere. No inline scripts: CSP is script-src 'self'. */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }
  function speak(text) {
    try {
      window.speechSynthesis.cancel();
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9; // a little slower for older listeners
      window.speechSynthesis.speak(utterance);
    } catch (e) {
      /* unsupported voice or blocked audio: stay silent */
    }
  }
  var buttons = document.querySelectorAll("button.speak[data-speak]");
  Array.prototype.forEach.call(buttons, function (button) {
    var target = document.getElementById(button.getAttribute("data-speak"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      speak(target.textContent.trim());
    });
  });
})();
