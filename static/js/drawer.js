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

  // While the drawer is open, everything else is inert: a modal dialog for keyboards and
  // screen readers, not a panel they can wander out of.
  var made_inert = [];

  function setModal(panel, modal) {
    made_inert.forEach(function (element) { element.inert = false; });
    made_inert = [];
    panel.setAttribute("aria-modal", modal ? "true" : "false");
    if (!modal) return;
    for (var node = panel; node && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        if (sibling !== node && !sibling.inert && sibling.id !== "live-status") {
          sibling.inert = true;
          made_inert.push(sibling);
        }
      });
    }
  }

  function open(panel) {
    panel.hidden = false;
    panel.classList.add("is-open");
    setModal(panel, true);
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
    setModal(panel, false);
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
