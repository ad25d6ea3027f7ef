// 任务分解: focusing a row of the table highlights its sentence in the source text (no inline JS under the CSP).
(function () {
  "use strict";
  function highlight(id) {
    document.querySelectorAll(".bd-src.bd-hl").forEach(function (el) { el.classList.remove("bd-hl"); });
    document.querySelectorAll(".bd-row.table-active").forEach(function (el) { el.classList.remove("table-active"); });
    var src = document.querySelector('.bd-src[data-row="' + id + '"]');
    var row = document.querySelector('.bd-row[data-row="' + id + '"]');
    if (row) { row.classList.add("table-active"); }
    if (src) {
      src.classList.add("bd-hl");
      src.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }
  document.addEventListener("focusin", function (e) {
    var row = e.target.closest && e.target.closest(".bd-row");
    if (row) { highlight(row.dataset.row); }
  });
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest(".bd-row");
    if (row) { highlight(row.dataset.row); }
    var src = e.target.closest && e.target.closest(".bd-src");
    if (src) {
      var target = document.getElementById("row-" + src.dataset.row);
      if (target) { target.focus(); }
    }
  });
  // The row actions count the ticked rows first: none ticked is said next to the buttons (no dialog, no
  // round trip); otherwise a draft asks once, naming how many rows it will turn into directives.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-rows-min]");
    if (!button) { return; }
    var hint = document.getElementById("rows-hint");
    var ticked = document.querySelectorAll('input[name="rows"][form="' + button.form.id + '"]:checked').length;
    if (ticked < Number(button.dataset.rowsMin)) {
      e.preventDefault();
      if (hint) { hint.textContent = button.dataset.rowsEmpty; }
      return;
    }
    if (hint) { hint.textContent = ""; }
    var question = button.dataset.rowsConfirm;
    if (question && !window.confirm(question.replace("{n}", ticked))) { e.preventDefault(); }
  });
  // Review, greeting and exhortation rows (回顾/非任务) are hidden until the switch shows them.
  document.addEventListener("change", function (e) {
    if (!e.target || e.target.id !== "bd-show-nontask") { return; }
    var show = e.target.checked;
    document.querySelectorAll(".bd-nontask").forEach(function (row) { row.classList.toggle("d-none", !show); });
  });
  // Selecting a point inside a highlighted sentence fills that row's split position (offset in the source).
  document.addEventListener("mouseup", function () {
    var sel = window.getSelection();
    if (!sel || !sel.anchorNode) { return; }
    var src = sel.anchorNode.parentElement && sel.anchorNode.parentElement.closest(".bd-src");
    var box = document.getElementById("bd-source");
    if (!src || !box) { return; }
    var range = document.createRange();
    range.setStart(box, 0);
    range.setEnd(sel.anchorNode, sel.anchorOffset);
    var offset = range.toString().length;
    var input = document.querySelector('.bd-split-at[data-row="' + src.dataset.row + '"]');
    if (input) { input.value = offset; }
  });
})();
