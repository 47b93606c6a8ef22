// "Copy link" buttons: data-copy names the input whose value goes to the clipboard; the status
// beside the button says whether it worked (read out by screen readers).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector(".copy-status");
    function say(text) {
      if (status) status.textContent = text;
    }
    // Selected either way, so a failed copy still leaves it ready for Ctrl+C.
    source.focus();
    source.select();
    if (!navigator.clipboard) {
      say(document.execCommand("copy") ? "Copied." : "Press Ctrl+C (⌘C) to copy the selected link.");
      return;
    }
    navigator.clipboard.writeText(source.value).then(
      function () { say("Copied."); },
      function () { say("Press Ctrl+C (⌘C) to copy the selected link."); }
    );
  });
})();
