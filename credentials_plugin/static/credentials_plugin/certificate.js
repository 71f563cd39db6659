// Copy-link button of certificate pages (a file of its own: pages need no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-copy]");
  var status = document.querySelector(".copy-status");
  if (!button || !navigator.clipboard) { return; }
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      if (status) { status.textContent = button.getAttribute("data-copied"); }
    });
  });
});
