/* Knowledge charts: registers the "landscape" kind with charts.js: vaccine candidates by platform, stacked by phase.
 * Data: {dates: [platform labels], labels: [...], datasets: [{label, data}]} (``dates`` repeats the labels because
 * charts.js skips charts without it). */
(function () {
  "use strict";
  var COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  if (!window.SolidarityCharts) { return; }
  window.SolidarityCharts.register("landscape", function (canvas, data) {
    var datasets = data.datasets.map(function (set, index) {
      return { label: set.label, data: set.data, backgroundColor: COLOURS[index % COLOURS.length] };
    });
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, indexAxis: "y",
        scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: "top", labels: { boxWidth: 14 } } }
      }
    });
  });
})();
