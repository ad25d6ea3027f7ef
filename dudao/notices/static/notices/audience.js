// 家长告知书: the audience picker. The ticked units are the chips' hidden inputs (name=audience_units), so a unit
// ticked in a branch that is closed again, or found by the search, is still posted. The tree's checkboxes only
// show that state: a unit inside a ticked one is shown ticked and locked. Levels are loaded by htmx when opened;
// the count line asks the server again after every change ("audience-change").
(function () {
  "use strict";
  var picker = document.querySelector("[data-audience]");
  if (!picker) return;
  var chosen = picker.querySelector("[data-chosen]");
  var title = picker.querySelector("[data-chosen-title]");
  var tree = picker.querySelector("#audience-tree");
  var results = picker.querySelector("#audience-results");
  var search = picker.querySelector(".audience-search");

  function selected() {
    return Array.prototype.map.call(chosen.querySelectorAll("input[name=audience_units]"), function (input) {
      return { id: input.value, path: input.dataset.path, label: input.dataset.label };
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function chip(item) {
    var li = el("li", { class: "audience-chip", "data-unit": item.id });
    li.appendChild(el("span", {}, item.label));
    li.appendChild(el("button", { type: "button", class: "btn-close", "data-remove": item.id, "aria-label": "移除 " + item.label }));
    li.appendChild(el("input", { type: "hidden", name: "audience_units", value: item.id, "data-path": item.path, "data-label": item.label, "data-audience-input": "" }));
    return li;
  }

  function sync(scope) {
    var list = selected();
    scope.querySelectorAll("input[type=checkbox][data-path]").forEach(function (box) {
      var path = box.dataset.path;
      var cover = list.filter(function (s) { return s.path !== path && path.indexOf(s.path) === 0; })[0];
      box.checked = Boolean(cover) || list.some(function (s) { return s.id === box.value; });
      box.disabled = Boolean(cover);
      box.title = cover ? "已包含在“" + cover.label + "”中" : "";
    });
  }

  function render(list) {
    chosen.textContent = "";
    list.forEach(function (item) { chosen.appendChild(chip(item)); });
    title.textContent = list.length ? "已选 " + list.length + " 项" : "未勾选：发送给" + picker.dataset.issuerName + "全部学生";
    sync(picker);
    changed();
  }

  function changed() { document.body.dispatchEvent(new CustomEvent("audience-change")); }

  picker.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("input[type=checkbox][data-path]")) {
      var list = selected().filter(function (s) { return s.id !== box.value; });
      if (box.checked) {
        // Ticking a school replaces its grades and classes ticked before: the school says it all.
        list = list.filter(function (s) { return s.path.indexOf(box.dataset.path) !== 0; });
        list.push({ id: box.value, path: box.dataset.path, label: box.dataset.label });
      }
      render(list);
    } else if (box.matches("[data-audience-input]")) {
      changed();
    }
  });

  picker.addEventListener("click", function (event) {
    var toggle = event.target.closest(".audience-toggle");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      document.getElementById(toggle.getAttribute("aria-controls")).hidden = !open;
      return;
    }
    var remove = event.target.closest("[data-remove]");
    if (remove) {
      render(selected().filter(function (s) { return s.id !== remove.dataset.remove; }));
      return;
    }
    var action = event.target.closest("[data-action]");
    if (action && action.dataset.action === "all") {
      var top = tree.querySelectorAll(":scope > .audience-node > .audience-row > input[type=checkbox]");
      render(Array.prototype.map.call(top, function (box) { return { id: box.value, path: box.dataset.path, label: box.dataset.label }; }));
    } else if (action && action.dataset.action === "clear") {
      render([]);
    }
  });

  picker.addEventListener("input", function (event) {
    if (event.target === search) {
      var searching = search.value.trim() !== "";
      results.hidden = !searching;
      tree.hidden = searching;
      if (!searching) results.textContent = "";
    } else if (event.target.matches("[data-audience-input]")) {
      changed();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (picker.contains(event.target)) sync(event.target);
  });
  sync(picker);
})();
