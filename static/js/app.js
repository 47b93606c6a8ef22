// Small behaviours shared by every page.
// When an htmx request fails (server error or no connection), say so above the region that was
// to be updated, instead of leaving the old content there as if it were the answer.
(function () {
  "use strict";

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
