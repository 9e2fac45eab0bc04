/* Service map: "use my location" fills ?lat=&lng= and submits (the server sorts by distance); a Leaflet map
   when a tile URL is set, markers coloured by open-now, a tap jumps to the site's card.
   Everything here is optional: without JavaScript the page is a complete list. */
(function () {
  "use strict";
  var form = document.getElementById("map-filter");
  var button = document.getElementById("locate-me");
  var status = document.getElementById("locate-status");
  if (form && button && "geolocation" in navigator) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "正在获取位置…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
          document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
          document.getElementById("place").value = "";
          form.submit();
        },
        function () {
          status.textContent = "无法获取位置，请输入村（社区）名称查找。";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  var box = document.getElementById("service-map");
  if (!box || typeof window.L === "undefined") {
    return;
  }
  var markers = JSON.parse(document.getElementById("map-markers").textContent || "[]");
  var origin = JSON.parse(document.getElementById("map-origin").textContent || "null");
  box.textContent = ""; // the server's SVG schematic stays only where Leaflet does not run
  var map = window.L.map(box);
  window.L.tileLayer(box.getAttribute("data-tile-url"), {
    maxZoom: 19,
    attribution: box.getAttribute("data-tile-attribution") || ""
  }).addTo(map);
  // Same colours as the schematic and the legend: open now, closed now, hours not understood.
  var STYLE = {
    "true": { color: "#ffffff", weight: 3, fillColor: "#1b7a3a", fillOpacity: 1 },
    "false": { color: "#595959", weight: 5, fillColor: "#ffffff", fillOpacity: 1 },
    "null": { color: "#ffffff", weight: 3, fillColor: "#0b4fa8", fillOpacity: 1 }
  };
  var LABEL = { "true": "正在办公", "false": "非办公时间", "null": "以现场为准" };
  function jumpTo(code) {
    var card = document.getElementById("site-" + code);
    if (!card) {
      return;
    }
    window.location.hash = "site-" + code;
    card.setAttribute("tabindex", "-1");
    card.focus();
  }
  var bounds = [];
  markers.forEach(function (m) {
    var key = String(m.open_now);
    var style = STYLE[key] || STYLE["null"];
    style.radius = m.kind === "center" ? 13 : 11;
    var marker = window.L.circleMarker([m.lat, m.lng], style).addTo(map);
    marker.bindTooltip(m.name + "（" + (LABEL[key] || "") + "）");
    // tap a marker: go to its card in the list (the accessible equivalent of the map)
    marker.on("click", function () {
      jumpTo(m.code);
    });
    bounds.push([m.lat, m.lng]);
  });
  if (origin && origin.lat !== null) {
    window.L.circleMarker([origin.lat, origin.lng], { radius: 8, color: "#b3261e", fill: false }).addTo(map);
    bounds.push([origin.lat, origin.lng]);
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  } else {
    map.setView([36.65, 117.0], 10);
  }
})();
