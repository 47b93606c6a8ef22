// Draws every <canvas data-chart="ID"> from the JSON config in <script id="ID" type="application/json">
// (rendered by Django's json_script). Runs on page load and on every htmx swap, so charts inside
// fragments draw themselves; charts about to be swapped out are destroyed first.
(function () {
  "use strict";

  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var config = JSON.parse(source.textContent);
      applyFormats(config);
      new Chart(canvas, config);
    });
  }

  // JSON cannot carry callbacks: "format" names one of these for the tooltip and y axis.
  var formats = {
    number: function (value) { return Number(value).toLocaleString(); },
    percent: function (value) { return Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 }) + " %"; },
  };

  function applyFormats(config) {
    var format = formats[config.format];
    delete config.format;
    if (!format) return;
    var options = (config.options = config.options || {});
    options.scales = options.scales || {};
    options.scales.y = options.scales.y || {};
    options.scales.y.ticks = Object.assign({ callback: format }, options.scales.y.ticks);
    options.plugins = options.plugins || {};
    options.plugins.tooltip = options.plugins.tooltip || {};
    options.plugins.tooltip.callbacks = {
      label: function (item) {
        var value = item.raw === null ? "not reported" : format(item.raw);
        return (item.dataset.label ? item.dataset.label + ": " : "") + value;
      },
    };
  }

  function destroy(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) { destroy(event.detail.target); });
})();
