// Small behaviours shared by every page.
// When an htmx request fails (server error or no connection), say so above the region that was
// to be updated, instead of leaving the old content there as if it were the answer.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Phones: the workspace navigation and the posts filters fold behind a button (Menu,
  // "Filters (3)") that opens what its aria-controls names; CSS shows both from 761 px up.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".fold-toggle");
    if (!toggle) return;
    var folded = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = !folded.classList.contains("is-open");
    folded.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });

  // A table wider than its box scrolls inside it; the box then takes keyboard focus, so that it
  // can be scrolled without a mouse, and says what it holds (WCAG 2.1.1).
  function markScrollable(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var table = box.querySelector("table");
        var caption = table && table.querySelector("caption");
        var section = box.closest("section, [aria-labelledby]");
        var heading = section && section.querySelector("h1, h2, h3");
        var name = (table && table.getAttribute("aria-label")) ||
          (caption && caption.textContent) || (heading && heading.textContent) || "Table";
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name.trim() + " (scrolls sideways)");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  // After an htmx update, focus goes back where the person was: the control of the same id in
  // the new content (a sort heading, a page link), else the updated region itself. The short
  // summary the new content marks with data-announce is read out, not the whole table.
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    focused = active && target && target.contains(active) && target.id !== "drawer"
      ? { id: active.id, target: target.id } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (focused && target && target.id === focused.target) {
      var again = focused.id && document.getElementById(focused.id);
      if (!again) {
        target.setAttribute("tabindex", "-1");
        again = target;
      }
      again.focus();
    }
    focused = null;
    var summary = target && target.querySelector("[data-announce]");
    var status = document.getElementById("live-status");
    if (summary && status) status.textContent = summary.textContent.replace(/\s+/g, " ").trim();
  });

  document.addEventListener("DOMContentLoaded", function () { markScrollable(document); });
  document.addEventListener("htmx:afterSettle", function (event) { markScrollable(event.detail.elt.parentElement || document); });
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { markScrollable(document); }, 150);
  });

  function report(event, message) {
    var target = event.detail.target;
    if (!target || target.id === "drawer") return; // the drawer reports in its own panel
    clear(target);
    var box = document.createElement("div");
    box.className = "alert request-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "link-button";
    retry.textContent = "Reload the page";
    retry.addEventListener("click", function () { window.location.reload(); });
    box.append(text, retry);
    target.before(box);
  }

  function clear(target) {
    var previous = target.previousElementSibling;
    if (previous && previous.classList.contains("request-error")) previous.remove();
  }

  document.addEventListener("htmx:responseError", function (event) {
    report(event, "This view could not be updated (the server answered " + event.detail.xhr.status + "). Nothing was changed.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    report(event, "This view could not be updated: the server did not answer. Check your connection and try again.");
  });
  document.addEventListener("htmx:afterSwap", function (event) { clear(event.detail.target); });

  // The profile picker's search box (templates/dashboard/_profile_select.html) only finds
  // profiles, fetching matches as the person types; checking one is what changes the filters.
  // So its change and its Enter do not re-run or submit the form around it.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-picker-search]")) event.stopPropagation();
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-picker-search]")) event.preventDefault();
  });

  // Period pickers: typing a date switches the period to "Custom dates", choosing a preset clears
  // the dates. Capture phase, so the form is consistent before htmx submits it on "change".
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form) return;
    var range = form.querySelector("select[name=range]");
    if (!range) return;
    if (field.matches("input[type=date]") && field.value && range.value !== "custom") {
      range.value = "custom";
    } else if (field === range && range.value !== "custom") {
      form.querySelectorAll("input[type=date]").forEach(function (input) { input.value = ""; });
    }
  }, true);
})();
