// 家长告知书: the question builder. It edits the form's hidden JSON field (a list of {kind, label, options,
// required}), which the server checks again with its own messages. Without scripts the page shows a
// one-question-per-line text box instead (<noscript>).
(function () {
  "use strict";
  var KINDS = [["confirm", "确认"], ["choice", "单选"], ["multi", "多选"], ["text", "简答"]];

  function parse(text) {
    var list;
    try { list = JSON.parse(text || "[]"); } catch (error) { list = []; }
    if (!Array.isArray(list)) list = [];
    return list.map(function (q) {
      return {
        kind: KINDS.some(function (k) { return k[0] === q.kind; }) ? q.kind : "confirm",
        label: String(q.label || ""),
        options: Array.isArray(q.options) ? q.options.map(String) : [],
        required: q.required !== false,
      };
    });
  }

  function serialize(questions) {
    return JSON.stringify(questions.map(function (q) {
      var choice = q.kind === "choice" || q.kind === "multi";
      return { kind: q.kind, label: q.label.trim(), options: choice ? q.options.map(function (o) { return o.trim(); }) : [], required: q.kind === "text" ? false : q.required };
    }));
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function button(text, action, extra) {
    return el("button", Object.assign({ type: "button", class: "btn btn-sm btn-outline-secondary", "data-action": action, text: text }, extra || {}));
  }

  function setUp(root) {
    var field = document.getElementById(root.dataset.questionBuilder);
    if (!field) return;
    var questions = parse(field.value);
    root.querySelector("[data-action='add']").hidden = false;

    function save() { field.value = serialize(questions); }

    function render() {
      var list = root.querySelector("[data-questions]");
      list.textContent = "";
      questions.forEach(function (q, i) {
        var n = i + 1;
        var kind = el("select", { class: "form-select form-select-sm w-auto", "aria-label": "第 " + n + " 题的类型", "data-field": "kind" });
        KINDS.forEach(function (k) {
          var option = el("option", { value: k[0], text: k[1] });
          if (k[0] === q.kind) option.selected = true;
          kind.appendChild(option);
        });
        var label = el("input", { class: "form-control form-control-sm", "aria-label": "第 " + n + " 题的题目", placeholder: "题目，如：寒假是否外出", maxlength: "100", "data-field": "label" });
        label.value = q.label;
        var head = el("div", { class: "d-flex flex-wrap gap-2 align-items-center" }, [
          el("span", { class: "fw-bold", text: n + "." }), kind, label,
        ]);
        label.style.flex = "1 1 12rem";
        var body = el("div", { class: "mt-2" });
        if (q.kind === "choice" || q.kind === "multi") {
          q.options.forEach(function (opt, j) {
            var input = el("input", { class: "form-control form-control-sm", "aria-label": "第 " + n + " 题的选项 " + (j + 1), maxlength: "40", "data-option": String(j) });
            input.value = opt;
            body.appendChild(el("div", { class: "d-flex gap-2 mb-1 align-items-center" }, [input, button("删除选项", "remove-option", { class: "btn btn-sm btn-outline-secondary text-nowrap", "data-option": String(j), "aria-label": "删除第 " + n + " 题的选项 " + (j + 1) })]));
          });
          body.appendChild(button("添加选项", "add-option"));
        }
        if (q.kind === "text") {
          body.appendChild(el("div", { class: "small text-muted", text: "简答题家长可以不填" }));
        } else {
          var box = el("input", { type: "checkbox", class: "form-check-input", id: "q-required-" + n, "data-field": "required" });
          box.checked = q.required;
          body.appendChild(el("div", { class: "form-check mt-1" }, [box, el("label", { class: "form-check-label", for: "q-required-" + n, text: "必答" })]));
        }
        var tools = el("div", { class: "d-flex flex-wrap gap-2 mt-2" }, [
          button("上移", "up", { "aria-label": "第 " + n + " 题上移" }),
          button("下移", "down", { "aria-label": "第 " + n + " 题下移" }),
          button("删除此题", "remove", { class: "btn btn-sm btn-outline-danger", "aria-label": "删除第 " + n + " 题" }),
        ]);
        list.appendChild(el("div", { class: "border rounded p-2 mb-2", "data-index": String(i), "data-testid": "question" }, [head, body, tools]));
      });
      root.querySelector("[data-empty]").hidden = questions.length > 0;
      save();
    }

    root.addEventListener("input", function (event) {
      var card = event.target.closest("[data-index]");
      if (!card) return;
      var q = questions[Number(card.dataset.index)];
      if (event.target.dataset.field === "label") q.label = event.target.value;
      else if (event.target.dataset.option !== undefined) q.options[Number(event.target.dataset.option)] = event.target.value;
      save();
    });
    root.addEventListener("change", function (event) {
      var card = event.target.closest("[data-index]");
      if (!card) return;
      var q = questions[Number(card.dataset.index)];
      if (event.target.dataset.field === "kind") {
        q.kind = event.target.value;
        if ((q.kind === "choice" || q.kind === "multi") && q.options.length < 2) q.options = ["是", "否"];
        render();
        card = root.querySelector("[data-index='" + card.dataset.index + "'] select");
        if (card) card.focus();
      } else if (event.target.dataset.field === "required") {
        q.required = event.target.checked;
        save();
      }
    });
    root.addEventListener("click", function (event) {
      var action = event.target.closest("[data-action]");
      if (!action) return;
      var card = action.closest("[data-index]");
      var i = card ? Number(card.dataset.index) : -1;
      var name = action.dataset.action;
      if (name === "add") questions.push({ kind: "choice", label: "", options: ["是", "否"], required: true });
      else if (name === "remove") questions.splice(i, 1);
      else if (name === "up" && i > 0) questions.splice(i - 1, 0, questions.splice(i, 1)[0]);
      else if (name === "down" && i < questions.length - 1) questions.splice(i + 1, 0, questions.splice(i, 1)[0]);
      else if (name === "add-option") questions[i].options.push("");
      else if (name === "remove-option") questions[i].options.splice(Number(action.dataset.option), 1);
      render();
      if (name === "add") root.querySelector("[data-index='" + (questions.length - 1) + "'] input").focus();
    });
    render();
  }

  document.querySelectorAll("[data-question-builder]").forEach(setUp);
})();
