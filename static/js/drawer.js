// The post detail drawer of the Posts page. A row's "Details" link loads the post into
// <aside id="drawer"> with htmx; this file opens the panel, moves focus to its heading, and
// closes it on Escape or its Close button, giving focus back to the link that opened it.
// Without JavaScript the same link is a plain link to the post's own page.
(function () {
  "use strict";

  var opener = null; // the Details link that opened the drawer, to return focus to
  var openerHref = null; // its address, to find it again if the table was re-rendered

  function drawer() {
    return document.getElementById("drawer");
  }

  function isOpen(panel) {
    return panel && panel.classList.contains("is-open");
  }

  function open(panel) {
    panel.hidden = false;
    panel.classList.add("is-open");
    var heading = panel.querySelector("#drawer-title") || panel;
    heading.focus();
  }

  function close() {
    var panel = drawer();
    if (!isOpen(panel)) return;
    if (window.Chart) {
      panel.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
        var chart = Chart.getChart(canvas);
        if (chart) chart.destroy();
      });
    }
    panel.classList.remove("is-open");
    panel.hidden = true;
    panel.replaceChildren();
    returnFocus();
  }

  function returnFocus() {
    var target = opener;
    if (!target || !document.contains(target)) {
      // A filter change may have re-rendered the rows: find the same post's link again.
      target = openerHref
        ? document.querySelector('a.details-link[href="' + CSS.escape(openerHref) + '"]')
        : null;
    }
    if (target) target.focus();
  }

  // Remember which link asked, before htmx sends the request.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.details-link");
    if (link) {
      opener = link;
      openerHref = link.getAttribute("href");
      return;
    }
    if (event.target.closest && event.target.closest("#drawer [data-drawer-close]")) {
      close();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen(drawer())) {
      event.preventDefault();
      close();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = drawer();
    if (panel && event.detail.target === panel) open(panel);
  });

  // htmx does not swap error answers; say so in the panel instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var panel = drawer();
    if (!panel || event.detail.target !== panel) return;
    var heading = document.createElement("h2");
    heading.id = "drawer-title";
    heading.className = "drawer-title";
    heading.tabIndex = -1;
    heading.textContent = "This post cannot be shown";
    var text = document.createElement("p");
    text.textContent = "It may have been removed, or you may no longer have access to its profile.";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "drawer-close";
    button.setAttribute("data-drawer-close", "");
    button.textContent = "Close";
    panel.replaceChildren(heading, text, button);
    open(panel);
  });
})();
