/* The cockpit's charts (Apache ECharts, vendored under static/vendor/echarts). The page already shows every
   figure as a table; this draws the charts, makes each point click through to its cases and, on the wall
   screen, refreshes the data from /cockpit/data/ without reloading the page. */
(function () {
  "use strict";
  var source = document.getElementById("cockpit-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var wall = document.body.classList.contains("ck-wall");
  var big = wall ? 22 : 14;
  var fg = wall ? "#e8f0ff" : "#1a1a1a";
  var charts = {};
  var BLUE = "#0b57d0", RED = "#b3261e", GREEN = "#1b6e20", AMBER = "#8a5300";

  function base() {
    return {
      aria: { enabled: true, decal: { show: false } },
      textStyle: { fontSize: big, color: fg },
      grid: { left: 56, right: 24, top: 40, bottom: 48, containLabel: true },
      tooltip: { trigger: "axis", textStyle: { fontSize: big } },
      legend: { top: 0, textStyle: { fontSize: big, color: fg } },
      animation: !wall
    };
  }
  function axis(extra) {
    var a = { axisLabel: { fontSize: big, color: fg }, axisLine: { lineStyle: { color: fg } } };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  var builders = {
    trend: function (d) {
      var o = base();
      o.xAxis = axis({ type: "category", data: d.trend.map(function (r) { return r.day.slice(5); }) });
      o.yAxis = axis({ type: "value", minInterval: 1 });
      o.series = [
        { name: "新受理", type: "line", symbolSize: 8, color: BLUE,
          data: d.trend.map(function (r) { return { value: r.new, url: r.new_url }; }) },
        { name: "办结", type: "line", symbolSize: 8, color: GREEN,
          data: d.trend.map(function (r) { return { value: r.closed, url: r.closed_url }; }) }
      ];
      return o;
    },
    towns: function (d) {
      var o = base();
      o.xAxis = axis({ type: "category", data: d.towns.map(function (t) { return t.name; }) });
      o.yAxis = axis({ type: "value", minInterval: 1 });
      o.series = [["受理", "received", BLUE], ["在办", "open", AMBER], ["超期", "overdue", RED], ["办结", "closed", GREEN]].map(function (s) {
        return { name: s[0], type: "bar", color: s[2],
          data: d.towns.map(function (t) { return { value: t[s[1]], url: t[s[1] + "_url"] }; }) };
      });
      return o;
    },
    sites: function (d) {
      var rows = d.sites.slice(0, 30);
      var o = base();
      o.xAxis = axis({ type: "category", data: rows.map(function (s) { return s.name; }), axisLabel: { fontSize: big, color: fg, rotate: rows.length > 8 ? 30 : 0 } });
      o.yAxis = axis({ type: "value", minInterval: 1 });
      o.series = [["在办", "open", AMBER], ["超期", "overdue", RED], ["办结", "closed", GREEN]].map(function (s) {
        return { name: s[0], type: "bar", color: s[2],
          data: rows.map(function (r) { return { value: r[s[1]], url: r[s[1] + "_url"] }; }) };
      });
      return o;
    },
    matters: function (d) {
      var rows = d.matters.slice(0, 12);
      var o = base();
      o.grid.left = 8;
      o.xAxis = axis({ type: "value", max: 100, axisLabel: { fontSize: big, color: fg, formatter: "{value}%" } });
      o.yAxis = axis({ type: "category", inverse: true, data: rows.map(function (m) { return m.name; }) });
      o.series = [
        { name: "按期办结率", type: "bar", color: BLUE,
          data: rows.map(function (m) { return { value: pct(m.on_time_rate), url: m.closed_url }; }) },
        { name: "满意率", type: "bar", color: GREEN,
          data: rows.map(function (m) { return { value: pct(m.satisfaction_rate), url: "/staff/ratings/" }; }) }
      ];
      return o;
    },
    map: function (d) {
      var placed = d.towns.filter(function (t) { return t.lat !== null && t.lng !== null; });
      var o = base();
      o.tooltip = { trigger: "item", textStyle: { fontSize: big },
        formatter: function (p) { return p.data.name + "<br>在办 " + p.data.open + " · 超期 " + p.data.overdue; } };
      if (!placed.length) {  // no coordinates: the same figures as bars
        o.xAxis = axis({ type: "category", data: d.towns.map(function (t) { return t.name; }) });
        o.yAxis = axis({ type: "value", minInterval: 1 });
        o.tooltip = { trigger: "axis" };
        o.series = [["在办", "open", AMBER], ["超期", "overdue", RED]].map(function (s) {
          return { name: s[0], type: "bar", color: s[2], data: d.towns.map(function (t) { return { value: t[s[1]], url: t[s[1] + "_url"] }; }) };
        });
        return o;
      }
      var peak = Math.max.apply(null, placed.map(function (t) { return t.open; }).concat([1]));
      o.grid = { left: 120, right: 160, top: 56, bottom: 40 };  // room for the towns' names
      o.xAxis = axis({ type: "value", scale: true, name: "经度", show: false });
      o.yAxis = axis({ type: "value", scale: true, name: "纬度", show: false });
      o.series = [
        { name: "在办", type: "scatter", color: AMBER,
          label: { show: true, formatter: function (p) { return p.data.name + " " + p.data.open; }, position: "top", fontSize: big, color: fg },
          symbolSize: function (v, p) { return 16 + 44 * Math.sqrt(p.data.open / peak); },
          data: placed.map(function (t) { return { value: [t.lng, t.lat], name: t.name, open: t.open, overdue: t.overdue, url: t.open_url }; }) },
        { name: "超期", type: "scatter", color: RED,
          label: { show: true, formatter: function (p) { return p.data.overdue ? "超期 " + p.data.overdue : ""; }, position: "bottom", fontSize: big, color: RED },
          symbolSize: function (v, p) { return p.data.overdue ? 10 + 30 * Math.sqrt(p.data.overdue / peak) : 0; },
          data: placed.map(function (t) { return { value: [t.lng, t.lat], name: t.name, open: t.open, overdue: t.overdue, url: t.overdue_url }; }) }
      ];
      return o;
    }
  };

  function draw(d) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      if (!builders[kind]) return;
      var chart = charts[kind] || (charts[kind] = echarts.init(el, null, { renderer: "svg" }));
      chart.setOption(builders[kind](d), true);
      if (!chart.__clickBound) {
        chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
        chart.__clickBound = true;
      }
    });
    document.querySelectorAll(".ck-data").forEach(function (el) { el.open = false; });  // tables stay one click away
  }

  function updateTiles(d) {
    d.tiles.forEach(function (t) {
      var li = document.querySelector('[data-tile="' + t.key + '"]');
      if (!li) return;
      li.querySelector("[data-value]").textContent = t.text;
      var delta = li.querySelector("[data-delta]");
      delta.textContent = t.delta.text;
      delta.className = "ck-delta ck-" + t.delta.dir;
      li.querySelector("a").setAttribute("href", t.url);
      li.classList.toggle("is-alert", !!t.alert);
    });
    var updated = document.getElementById("ck-updated");
    if (updated) updated.textContent = d.generated_at;
  }

  draw(data);
  window.addEventListener("resize", function () { for (var k in charts) charts[k].resize(); });

  var main = document.querySelector("[data-refresh-url]");
  if (main) {
    var url = main.getAttribute("data-refresh-url");
    var seconds = parseInt(main.getAttribute("data-refresh-seconds"), 10) || 60;
    window.cockpitRefresh = function () {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (d) { data = d; updateTiles(d); draw(d); document.body.setAttribute("data-refreshed", d.generated_at); })
        .catch(function () { document.body.setAttribute("data-refresh-error", "1"); });  // keep the last figures
    };
    setInterval(window.cockpitRefresh, seconds * 1000);
  }
})();
