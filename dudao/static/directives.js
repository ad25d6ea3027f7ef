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
