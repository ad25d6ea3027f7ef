// Phone checklist: answers autosave through htmx; when the network drops, they wait in localStorage
// and are sent again when it returns, so nothing typed in the field is lost. Photos carry the
// browser's position where the user allows it.
(function () {
  var root = document.querySelector("[data-checklist]");
  if (!root) return;
  var key = "dudao-checklist-" + root.dataset.checklist;
  var banner = document.querySelector("[data-offline-banner]");

  function pending() {
    try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function store(all) {
    localStorage.setItem(key, JSON.stringify(all));
    if (banner) banner.classList.toggle("d-none", Object.keys(all).length === 0);
  }
  function formData(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") data[name] = value; });
    return data;
  }
  function formFor(indicator) {
    var input = root.querySelector("form[data-autosave] input[name=indicator][value='" + indicator + "']");
    return input ? input.form : null;
  }
  function restore(form, data) {
    Object.keys(data).forEach(function (name) {
      form.querySelectorAll("[name='" + name + "']").forEach(function (field) {
        if (field.type === "radio") field.checked = field.value === data[name];
        else if (field.type !== "hidden") field.value = data[name];
      });
    });
  }
  function retry() {
    var all = pending();
    Object.keys(all).forEach(function (indicator) {
      var form = formFor(indicator);
      if (form) htmx.trigger(form, "change");
    });
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) return;
    var all = pending();
    all[form.querySelector("input[name=indicator]").value] = formData(form);
    store(all);
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) return;
    var xhr = event.detail.xhr;
    // Saved, or refused by the server with a message: either way it no longer waits to be sent.
    if (xhr && xhr.status > 0 && xhr.status < 500) {
      var all = pending();
      delete all[form.querySelector("input[name=indicator]").value];
      store(all);
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  window.addEventListener("online", retry);
  setInterval(function () { if (navigator.onLine) retry(); }, 20000);

  var waiting = pending();
  Object.keys(waiting).forEach(function (indicator) {
    var form = formFor(indicator);
    if (form) restore(form, waiting[indicator]);
  });
  store(waiting);
  if (Object.keys(waiting).length && navigator.onLine) retry();

  if (navigator.geolocation && root.querySelector("form[data-geo]")) {
    navigator.geolocation.getCurrentPosition(function (position) {
      root.querySelectorAll("form[data-geo]").forEach(function (form) {
        form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      });
    }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
})();
