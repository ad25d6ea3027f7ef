// Fill-in page of a report: add and remove rows of repeating tables. Autosave is htmx on the form
// (hx-trigger "change" and the "row-changed" event sent here).
(function () {
  function renumber(tbody) {
    tbody.querySelectorAll("tr").forEach(function (row, i) {
      var cell = row.querySelector(".row-number");
      if (cell) cell.textContent = String(i + 1);
    });
  }
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var key = add.dataset.addRow;
      var table = document.querySelector('table[data-table="' + key + '"]');
      var template = document.getElementById("row-template-" + key);
      if (!table || !template) return;
      var tbody = table.querySelector("tbody");
      var max = parseInt(table.dataset.maxRows || "200", 10);
      if (tbody.querySelectorAll("tr").length >= max) {
        add.insertAdjacentHTML("afterend", '<span class="text-danger small ms-2">最多 ' + max + " 行</span>");
        return;
      }
      var index = parseInt(table.dataset.nextIndex || "0", 10);
      table.dataset.nextIndex = String(index + 1);
      var html = template.innerHTML.split("__i__").join(String(index));
      tbody.insertAdjacentHTML("beforeend", html);
      renumber(tbody);
      var first = tbody.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("tr");
      var body = row.parentElement;
      var form = row.closest("form");
      row.remove();
      renumber(body);
      if (form) form.dispatchEvent(new Event("row-changed", { bubbles: true }));
    }
  });
})();

// Autosave that did not arrive must say so: an expired session, a lost network or a server error would
// otherwise leave "上次保存 …" on screen while the typing is lost. Unsaved typing also guards leaving the page.
(function () {
  var form = document.querySelector("[data-testid=fill-form][hx-post]");
  if (!form) return;
  var dirty = false;
  function status(html) {
    var el = document.getElementById("save-status");
    if (el) el.innerHTML = html;
  }
  form.addEventListener("input", function () { dirty = true; });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt !== form) return;
    var xhr = event.detail.xhr;
    if ((xhr.responseURL || "").indexOf("/accounts/login/") !== -1 || xhr.status === 403) {
      event.detail.shouldSwap = false;
      status('<span class="text-danger">未保存：登录已过期或无权填写。请先复制已填内容，重新登录后再打开本页。</span>');
    } else if (xhr.status === 409 || xhr.status === 422 || xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== form) return;
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status === 0) {
      status('<span class="text-danger">未保存：网络中断。请勿关闭页面，网络恢复后改动任一项即可重新保存。</span>');
    } else if (xhr.status >= 500) {
      status('<span class="text-danger">未保存：系统出错，请稍后再试。</span>');
    } else if (xhr.status < 300 && (xhr.responseURL || "").indexOf("/accounts/login/") === -1) {
      dirty = false;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("submit", function () { dirty = false; });
})();
// Create / edit a directive: show only the controls of the chosen target mode, and recount the recipients
// (“将下发给 N 个单位”, computed on the server by the service issuing uses) whenever the choice changes.
(function () {
  var select = document.querySelector("[data-target-mode]");
  if (!select) return;
  var fieldset = document.getElementById("target-fieldset");
  var count = document.getElementById("recipient-count");
  function show() {
    fieldset.querySelectorAll("[data-mode]").forEach(function (box) {
      box.hidden = box.dataset.mode !== select.value;
    });
  }
  function recount() { if (count && window.htmx) htmx.trigger(count, "recount"); }
  select.addEventListener("change", show);
  fieldset.addEventListener("change", function (event) {
    // Ticks in the unit tree and its search box change the chips first; the picker then says so.
    if (event.target.closest("[data-unit-picker]")) return;
    recount();
  });
  fieldset.addEventListener("picker-change", recount);
  show();
})();
// Approvals queue: "全选本组" ticks the group's reports; the button says how many are chosen.
(function () {
  var form = document.getElementById("bulk-approve");
  if (!form) return;
  var button = form.querySelector("[data-bulk-button]");
  function count() {
    var n = form.querySelectorAll("input[name=submission]:checked").length;
    button.disabled = n === 0;
    button.textContent = n ? "批量审核通过（已选 " + n + " 份）" : "批量审核通过";
    form.dataset.confirm = "确定审核通过所选的 " + n + " 份报送吗？审核后数据锁定。";
  }
  form.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-group]");
    if (all) {
      form.querySelectorAll('input[name=submission][data-group="' + all.dataset.selectGroup + '"]:not(:disabled)')
        .forEach(function (box) { box.checked = all.checked; });
    }
    count();
  });
  count();
})();
