/* Workbench conveniences (the table works without them): keyboard navigation, select-all, selection count. */
(function () {
  "use strict";
  var table = document.getElementById("wb-table");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var cursor = -1;
  var all = document.getElementById("sel-all");
  var count = document.getElementById("bulk-selected");
  function boxes() { return table.querySelectorAll("tbody input[name=case]"); }
  function updateCount() {
    var n = table.querySelectorAll("tbody input[name=case]:checked").length;
    if (count) count.textContent = n ? "已选 " + n + " 件" : "";
  }
  function move(to) {
    if (!rows.length) return;
    if (cursor >= 0) rows[cursor].classList.remove("is-cursor");
    cursor = Math.max(0, Math.min(rows.length - 1, to));
    var row = rows[cursor];
    row.classList.add("is-cursor");
    var link = row.querySelector("a.case-link");
    if (link) link.focus();
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      updateCount();
    });
  }
  table.addEventListener("change", updateCount);
  rows.forEach(function (row, i) {
    row.addEventListener("focusin", function () {
      if (cursor >= 0 && rows[cursor]) rows[cursor].classList.remove("is-cursor");
      cursor = i; row.classList.add("is-cursor");
    });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); move(cursor + 1); }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); move(cursor - 1); }
    else if (e.key === "x" && cursor >= 0) {
      var box = rows[cursor].querySelector("input[name=case]");
      if (box) { box.checked = !box.checked; updateCount(); }
    } else if (e.key === "/") {
      var q = document.getElementById("id_q");
      if (q) { e.preventDefault(); q.focus(); }
    }
  });
})();
