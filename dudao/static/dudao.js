// Small behaviours shared by all pages. No inline scripts (the Content-Security-Policy forbids
// them): values travel in data-* attributes.
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
});
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill-target]");
  if (!button) return;
  var field = document.getElementById(button.dataset.fillTarget);
  if (field) field.value = button.dataset.fillValue;
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// Irreversible actions ask first: <form data-confirm="…">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
