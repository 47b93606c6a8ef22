// Draws every <canvas data-chart="ID"> from the JSON config in <script id="ID" type="application/json">
// (rendered by Django's json_script). Runs on page load and on every htmx swap, so charts inside
// fragments draw themselves; charts about to be swapped out are destroyed first.
(function () {
  "use strict";

  function draw(root) {
    if (!window.Chart) return;
    // The print view is read once, as printed: no animation, so a drawn chart is a finished one.
    if (document.body.classList.contains("print")) Chart.defaults.animation = false;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var config = JSON.parse(source.textContent);
      applyFormats(config);
      applyPatterns(config);
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

  // A bar series that shares its colour with another in the chart (dashboard/charts.py
  // _distinguish) names a pattern; JSON cannot carry a CanvasPattern, so it is drawn here, over the
  // series' colour. The legend box is filled with it too.
  function applyPatterns(config) {
    config.data.datasets.forEach(function (dataset) {
      if (!dataset.pattern) return;
      dataset.backgroundColor = pattern(dataset.backgroundColor, dataset.pattern);
      delete dataset.pattern;
    });
  }

  function pattern(color, kind) {
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var ctx = tile.getContext("2d");
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, 8, 8);
    ctx.fillStyle = ctx.strokeStyle = "#ffffff";
    if (kind === "dots") {
      ctx.beginPath();
      ctx.arc(4, 4, 1.5, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      // Diagonal stripes that join up across tiles.
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(0, 8); ctx.lineTo(8, 0);
      ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
      ctx.moveTo(6, 10); ctx.lineTo(10, 6);
      ctx.stroke();
    }
    return ctx.createPattern(tile, "repeat");
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
