// The print view (templates/reports/print.html): every "as a table" panel open, so its numbers are
// in the PDF's text, and an explicit ready flag for the renderer (dashboard/reports/pdf.py), set
// once every chart has drawn, the fonts and images have loaded and a frame has been laid out.
// charts.js draws without animation on this page, so a drawn chart is a finished one.
(function () {
  "use strict";
  var root = document.documentElement;

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details").forEach(function (panel) { panel.open = true; });
  });

  window.addEventListener("load", function () {
    var canvases = Array.prototype.slice.call(document.querySelectorAll("canvas[data-chart]"));
    var drawn = canvases.every(function (canvas) { return window.Chart && Chart.getChart(canvas); });
    if (!drawn) {
      // The renderer fails at once with this instead of printing blank charts.
      root.dataset.reportReady = "failed";
      return;
    }
    document.fonts.ready.then(function () {
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { root.dataset.reportReady = "true"; });
      });
    });
  });
})();
