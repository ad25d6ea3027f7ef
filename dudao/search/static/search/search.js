// The header's search box: "/" focuses it; arrow keys walk the suggestions, Enter opens the chosen one, Escape
// closes the list. htmx fills the list (search/_suggest.html); this file only moves the focus.
(function () {
  var form = document.querySelector("[data-site-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector(".site-search-list");
  function options() { return Array.prototype.slice.call(list.querySelectorAll(".site-search-option")); }
  function setOpen(open) {
    list.classList.toggle("show", open);
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function move(step) {
    var items = options();
    if (!items.length) return;
    var index = items.indexOf(document.activeElement) + step;
    if (index < 0) { input.focus(); return; }
    items[Math.min(index, items.length - 1)].focus();
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === list) setOpen(input.value.trim() !== "" && options().length > 0);
  });
  input.addEventListener("input", function () { if (!input.value.trim()) { list.innerHTML = ""; setOpen(false); } });
  form.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); setOpen(options().length > 0); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Escape") { setOpen(false); input.focus(); }
  });
  document.addEventListener("click", function (event) { if (!form.contains(event.target)) setOpen(false); });
  input.addEventListener("focus", function () { if (options().length && input.value.trim()) setOpen(true); });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && tag !== "input" && tag !== "textarea" && tag !== "select" && !event.target.isContentEditable) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
})();
