// Copy buttons of the learner record (a file of its own: pages need no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var status = document.querySelector(".copy-status");
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      });
    });
  });
});
