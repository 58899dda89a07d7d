/* Solidarity charts: draws every <canvas data-chart="KIND"> on the page with the vendored Chart.js 4.
 *
 * Data comes from a <script type="application/json"> next to the canvas (or named by the canvas's
 * data-source="ID"), or from the same-origin JSON URL in data-src. No inline script is needed, so
 * the Content-Security-Policy can stay at script-src 'self'. Every chart has a table or CSV link
 * beside it in the page for readers without JavaScript; this file only adds the picture.
 *
 * Data shapes (all arrays have one entry per date):
 *   epicurve:   {dates, new, avg7, label, colour?, markers?} bars of new counts, line of the 7-day average;
 *               markers: [{date, label}] draws a dashed line at each date (public-health measures)
 *   cumulative: {dates, series: [{label, values}], scale?}  lines; a [data-scale-toggle] button switches log/linear
 *   rt:         {dates, mean, lower, upper, reliable?, ymax?} Rt with its 95% credible band and the line Rt = 1;
 *               windows with reliable[i] false (too few cases) are drawn grey and dashed
 * Other kinds can be added with SolidarityCharts.register("measures", function (canvas, data) {...}).
 */
(function () {
  "use strict";

  var PALETTE = {
    cases: { bar: "rgba(66, 146, 198, 0.55)", line: "#08519c" },
    deaths: { bar: "rgba(203, 24, 29, 0.35)", line: "#a50f15" },
    rt: { line: "#0b5c8e", band: "rgba(11, 92, 142, 0.18)", threshold: "#b42318",
          unreliable: "#8a8f98", unreliableBand: "rgba(138, 143, 152, 0.16)" },
    lines: ["#08519c", "#a50f15", "#238b45", "#6a51a3"]
  };

  var builders = {};

  function number(value) {
    if (value === null || value === undefined) { return "no data"; }
    return Number(value).toLocaleString("en-GB", { maximumFractionDigits: 2 });
  }

  function baseOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", labels: { boxWidth: 14 } },
        tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + number(ctx.parsed.y); } } }
      },
      scales: {
        x: { ticks: { maxTicksLimit: 8, maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: function (v) { return number(v); } } }
      }
    };
    return Object.assign(options, extra || {});
  }

  /* Dashed vertical lines at the first bar on or after each marker's date, e.g. public-health measures. */
  function markersPlugin(markers) {
    return {
      id: "markers",
      afterDatasetsDraw: function (chart) {
        var labels = chart.data.labels, x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = "#6a51a3";
        ctx.fillStyle = "#6a51a3";
        ctx.setLineDash([4, 3]);
        ctx.font = "11px sans-serif";
        markers.forEach(function (marker, n) {
          var index = labels.findIndex(function (label) { return label >= marker.date; });
          if (index < 0 || (index === 0 && labels[0] > marker.date)) { return; }
          var px = x.getPixelForValue(index);
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
          ctx.fillText(marker.label, px + 3, area.top + 12 + 12 * (n % 3));
        });
        ctx.restore();
      }
    };
  }

  builders.epicurve = function (canvas, data) {
    var colours = PALETTE[data.colour] || PALETTE.cases;
    return new window.Chart(canvas, {
      plugins: data.markers && data.markers.length ? [markersPlugin(data.markers)] : [],
      type: "bar",
      data: {
        labels: data.dates,
        datasets: [
          { type: "line", label: "7-day average", data: data.avg7, borderColor: colours.line, borderWidth: 2,
            pointRadius: 0, spanGaps: false, order: 0 },
          { type: "bar", label: data.label || "New", data: data.new, backgroundColor: colours.bar,
            barPercentage: 1.0, categoryPercentage: 1.0, order: 1 }
        ]
      },
      options: baseOptions()
    });
  };

  builders.cumulative = function (canvas, data) {
    var scale = data.scale === "logarithmic" ? "logarithmic" : "linear";
    var datasets = (data.series || []).map(function (series, index) {
      var colour = PALETTE.lines[index % PALETTE.lines.length];
      // log scales cannot show zero or less
      var values = series.values.map(function (v) { return v === null || v <= 0 ? null : v; });
      return { label: series.label, data: values, borderColor: colour, backgroundColor: colour, borderWidth: 2,
               pointRadius: 0 };
    });
    var options = baseOptions();
    options.scales.y = { type: scale, ticks: { callback: function (v) { return number(v); } } };
    var chart = new window.Chart(canvas, { type: "line", data: { labels: data.dates, datasets: datasets },
                                           options: options });
    var toggle = canvas.closest("figure, section, div.chart-block");
    toggle = toggle ? toggle.querySelector("[data-scale-toggle]") : null;
    if (toggle) {
      var label = function () {
        var isLog = chart.options.scales.y.type === "logarithmic";
        toggle.textContent = isLog ? "Show linear scale" : "Show log scale";
        toggle.setAttribute("aria-pressed", isLog ? "true" : "false");
      };
      toggle.hidden = false;
      label();
      toggle.addEventListener("click", function () {
        var isLog = chart.options.scales.y.type === "logarithmic";
        chart.options.scales.y = { type: isLog ? "linear" : "logarithmic",
                                   ticks: { callback: function (v) { return number(v); } } };
        chart.update();
        label();
      });
    }
    return chart;
  };

  builders.rt = function (canvas, data) {
    var ones = data.dates.map(function () { return 1; });
    var options = baseOptions();
    options.scales.y = { beginAtZero: true, max: data.ymax || undefined, suggestedMax: 2,
                         title: { display: true, text: "Rt" } };
    options.plugins.legend.labels.filter = function (item) { return item.text !== ""; };
    // Windows with too few cases (data.reliable[i] false) are drawn in grey, dashed, with a grey band.
    var reliable = data.reliable || data.dates.map(function () { return true; });
    function isShaky(ctx) { return !reliable[ctx.p1DataIndex] || !reliable[ctx.p0DataIndex]; }
    var datasets = [
      { label: "Rt (posterior mean)", data: data.mean, borderColor: PALETTE.rt.line, borderWidth: 2,
        pointRadius: function (ctx) { return reliable[ctx.dataIndex] ? 0 : 2; },
        pointBackgroundColor: PALETTE.rt.unreliable, pointBorderColor: PALETTE.rt.unreliable,
        segment: { borderColor: function (ctx) { return isShaky(ctx) ? PALETTE.rt.unreliable : undefined; },
                   borderDash: function (ctx) { return isShaky(ctx) ? [3, 3] : undefined; } } },
      { label: "", data: data.lower, borderColor: "transparent", pointRadius: 0, fill: false },
      { label: "95% credible interval", data: data.upper, borderColor: "transparent",
        backgroundColor: PALETTE.rt.band, pointRadius: 0, fill: "-1",
        segment: { backgroundColor: function (ctx) { return isShaky(ctx) ? PALETTE.rt.unreliableBand : undefined; } } },
      { label: "Rt = 1", data: ones, borderColor: PALETTE.rt.threshold, borderDash: [6, 4], borderWidth: 1.5,
        pointRadius: 0 }
    ];
    if (reliable.indexOf(false) >= 0) {
      datasets.push({ label: "Too few cases in the window (unreliable)", data: [], borderColor: PALETTE.rt.unreliable,
                      backgroundColor: PALETTE.rt.unreliableBand, borderDash: [3, 3], pointRadius: 0 });
    }
    return new window.Chart(canvas, { type: "line", data: { labels: data.dates, datasets: datasets }, options: options });
  };

  function readData(canvas) {
    if (canvas.dataset.src) {
      return fetch(canvas.dataset.src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        });
    }
    var block = canvas.dataset.source ? document.getElementById(canvas.dataset.source) : null;
    if (!block) {
      var sibling = canvas.parentElement ? canvas.parentElement.querySelector("script[type='application/json']") : null;
      block = sibling;
    }
    if (!block) { return Promise.resolve(null); }
    return Promise.resolve(JSON.parse(block.textContent));
  }

  function draw(canvas) {
    var kind = canvas.dataset.chart;
    var build = builders[kind];
    if (!build || canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = "pending";
    readData(canvas).then(function (data) {
      if (!data || !data.dates || data.dates.length === 0) {
        canvas.dataset.drawn = "empty";
        return;
      }
      build(canvas, data);
      canvas.dataset.drawn = "yes";
    }).catch(function (error) {
      canvas.dataset.drawn = "failed";
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The chart could not be drawn (" + error.message + "); the table below has the figures.";
      canvas.parentElement.insertBefore(note, canvas.nextSibling);
    });
  }

  function drawAll(root) {
    if (typeof window.Chart !== "function") { return; }
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, draw);
  }

  window.SolidarityCharts = {
    register: function (kind, build) { builders[kind] = build; drawAll(); },
    drawAll: drawAll
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
