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

  function signedOut(xhr) {
    // An expired session answers with the login page (after a redirect) or 401/403.
    return xhr.status === 401 || xhr.status === 403 || (xhr.responseURL || "").indexOf("/accounts/login/") !== -1;
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) return;
    var all = pending();
    all[form.querySelector("input[name=indicator]").value] = formData(form);
    store(all);
    form.querySelector(".saved").innerHTML = '<span class="text-muted small">保存中…</span>';
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-autosave]")) return;
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status === 0 || xhr.status >= 500) {
      form.querySelector(".saved").innerHTML = '<span class="text-warning small">未送达，已在本机暂存，稍后自动重试</span>';
      return;
    }
    if (signedOut(xhr)) {
      form.querySelector(".saved").innerHTML = '<span class="text-danger small">登录已过期或无权填写，已在本机暂存；请重新登录后打开本页</span>';
      return;
    }
    // Saved, or refused by the server with a message shown next to the indicator: nothing left to send.
    var all = pending();
    delete all[form.querySelector("input[name=indicator]").value];
    store(all);
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (signedOut(xhr)) { event.detail.shouldSwap = false; return; }
    if (xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  // 已评 N/M follows every tap, saved or still queued offline: an indicator counts once it has a result.
  var progress = root.querySelector("[data-progress]");
  function count() {
    if (!progress) return;
    var forms = root.querySelectorAll("form[data-autosave]");
    var done = Array.prototype.filter.call(forms, function (form) {
      return form.querySelector("input[name=result]:checked");
    }).length;
    progress.textContent = "已评 " + done + "/" + (root.dataset.total || forms.length);
  }
  root.addEventListener("change", function (event) {
    if (event.target.name === "result") count();
  });
  window.addEventListener("online", retry);
  setInterval(function () { if (navigator.onLine) retry(); }, 20000);

  function touched(form) {
    // A tap made on a slow phone before the scripts arrived changed the field but sent nothing.
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "radio" || field.type === "checkbox") return field.checked !== field.defaultChecked;
      if (field.type === "hidden" || field.type === "file" || !("defaultValue" in field)) return false;
      return field.value !== field.defaultValue;
    });
  }
  function start() {
    // Runs after htmx has wired the forms (its own ready handler was registered first).
    var early = Array.prototype.filter.call(root.querySelectorAll("form[data-autosave]"), touched);
    var waiting = pending();
    Object.keys(waiting).forEach(function (indicator) {
      var form = formFor(indicator);
      if (form) restore(form, waiting[indicator]);
    });
    store(waiting);
    count();
    if (Object.keys(waiting).length && navigator.onLine) retry();
    early.forEach(function (form) {
      if (!waiting[form.querySelector("input[name=indicator]").value]) htmx.trigger(form, "change");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  if (navigator.geolocation && root.querySelector("form[data-geo]")) {
    navigator.geolocation.getCurrentPosition(function (position) {
      root.querySelectorAll("form[data-geo]").forEach(function (form) {
        form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      });
    }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
})();
