// Small behaviours shared by all pages. No inline scripts: values travel in data-* attributes.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill-target]");
  if (!button) return;
  var field = document.getElementById(button.dataset.fillTarget);
  if (field) field.value = button.dataset.fillValue;
});
