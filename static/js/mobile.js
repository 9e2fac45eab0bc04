/* Bangban /m/ and /staff/ pages: optional conveniences. Every page works without this file. */
(function () {
  "use strict";

  // A tapped submit button is disabled so a double tap cannot post a step twice (the server also refuses).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // 拍照/选择照片: say which photo was chosen (the browser's own file text is hidden, see .file-input).
  document.querySelectorAll("[data-file-name-for]").forEach(function (out) {
    var input = document.getElementById(out.getAttribute("data-file-name-for"));
    if (!input) { return; }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      out.textContent = file ? "已选择：" + file.name : "尚未选择照片";
    });
  });

  // Coming back with the browser's back button restores the page from cache: make its buttons usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit][disabled]").forEach(function (b) { b.disabled = false; });
  });

  // New request: fill name/address/groups from the phone's earlier cases as soon as the number is complete.
  var createForm = document.getElementById("case-create-form");
  if (createForm) {
    var phone = createForm.querySelector("[name=resident_phone]");
    var url = createForm.getAttribute("data-prefill-url");
    var last = "";
    var lookup = function () {
      var digits = (phone.value || "").replace(/\D/g, "");
      if (digits.length < 11 || digits === last || !window.fetch) { return; }
      last = digits;
      window.fetch(url + "?phone=" + encodeURIComponent(phone.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.found) { return; }
          var name = createForm.querySelector("[name=resident_name]");
          var address = createForm.querySelector("[name=address]");
          if (name && !name.value) { name.value = data.resident_name || ""; }
          if (address && !address.value) { address.value = data.address || ""; }
          (data.special_groups || []).forEach(function (g) {
            var box = createForm.querySelector("[name=special_groups][value='" + g + "']");
            if (box) { box.checked = true; }
          });
        })
        .catch(function () { /* the lookup button still works */ });
    };
    if (phone && url) {
      phone.addEventListener("change", lookup);
      phone.addEventListener("keyup", lookup);
    }
  }

  // Completion: the tracking number only matters when the result goes by post.
  document.querySelectorAll("[name$=delivery_method]").forEach(function (radio) {
    var form = radio.form;
    var tracking = form && form.querySelector("[name$=tracking_no]");
    if (!tracking) { return; }
    var wrapper = tracking.closest(".field");
    var sync = function () {
      var chosen = form.querySelector("[name$=delivery_method]:checked");
      wrapper.classList.toggle("js-hidden", !(chosen && chosen.value === "mail"));
    };
    radio.addEventListener("change", sync);
    sync();
  });
})();
