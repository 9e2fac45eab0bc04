/* Service map: "use my location" fills ?lat=&lng= and submits; a Leaflet map when a tile URL is set.
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
  var map = window.L.map(box);
  window.L.tileLayer(box.getAttribute("data-tile-url"), { maxZoom: 19, attribution: "" }).addTo(map);
  var bounds = [];
  markers.forEach(function (m) {
    var marker = window.L.marker([m.lat, m.lng]).addTo(map);
    var link = document.createElement("a");
    link.href = "#site-" + m.code;
    link.textContent = m.name;
    var popup = document.createElement("div");
    popup.appendChild(link);
    var addr = document.createElement("div");
    addr.textContent = m.address || "";
    popup.appendChild(addr);
    marker.bindPopup(popup);
    bounds.push([m.lat, m.lng]);
  });
  if (origin && origin.lat !== null) {
    window.L.circleMarker([origin.lat, origin.lng], { radius: 8 }).addTo(map);
    bounds.push([origin.lat, origin.lng]);
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  } else {
    map.setView([36.65, 117.0], 10);
  }
})();
