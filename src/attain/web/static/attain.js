// Page behaviour for Attain (no inline scripts: the CSP allows scripts from this site only).
// Charts: every <canvas class="chart" data-chart='{"type", "labels", "series": [{"label", "data"}]}'>
// becomes a Chart.js chart; canvases that htmx swaps in later are drawn too.
(function () {
  "use strict";
  var COLOURS = ["#1f6feb", "#8a94a6", "#2da44e", "#bf8700"];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") { return; }
    var spec;
    try { spec = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
    canvas.dataset.drawn = "1";
    var datasets = (spec.series || []).map(function (s, i) {
      return {
        label: s.label,
        data: s.data,
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        spanGaps: false,
        tension: 0.2
      };
    });
    new window.Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true } }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas.chart[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
