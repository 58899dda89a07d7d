/* Assistance charts: registers the "pledge" kind with charts.js.
 * Data: {dates, paid, committed, pledge}: cumulative USD paid and committed against a pledge,
 * drawn as lines under a dashed line at the pledged amount. The table on the page has the figures.
 */
(function () {
  "use strict";
  if (!window.SolidarityCharts) { return; }
  window.SolidarityCharts.register("pledge", function (canvas, data) {
    var level = data.dates.map(function () { return data.pledge; });
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.dates,
        datasets: [
          { label: "Paid (USD)", data: data.paid, borderColor: "#238b45", borderWidth: 2, stepped: true },
          { label: "Committed (USD)", data: data.committed, borderColor: "#08519c", borderWidth: 2, stepped: true },
          { label: "Pledged (USD)", data: level, borderColor: "#a50f15", borderDash: [6, 4], borderWidth: 1.5,
            pointRadius: 0 }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true } } }
    });
  });
})();
