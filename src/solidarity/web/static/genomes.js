/* Genomes charts: registers the "stacked" kind with charts.js, a stacked bar chart of counts per period.
 * Data: {dates: ["2020-01", ...], series: [{label, values: [n, ...]}]} (one value per date per series).
 */
(function () {
  "use strict";
  var COLOURS = ["#08519c", "#a50f15", "#238b45", "#6a51a3", "#d94801", "#3182bd", "#ce1256", "#636363",
                 "#74c476", "#fd8d3c", "#9e9ac8", "#fdae6b"];
  if (!window.SolidarityCharts) { return; }
  window.SolidarityCharts.register("stacked", function (canvas, data) {
    var datasets = (data.series || []).map(function (series, index) {
      return { label: series.label, data: series.values, backgroundColor: COLOURS[index % COLOURS.length],
               borderWidth: 0 };
    });
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.dates, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "top", labels: { boxWidth: 14 } } },
        scales: { x: { stacked: true, grid: { display: false } },
                  y: { stacked: true, beginAtZero: true, title: { display: true, text: "genomes" } } }
      }
    });
  });
})();
