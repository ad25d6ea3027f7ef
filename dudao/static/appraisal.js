// 考评方案: the add-item form shows only the fields the chosen kind of item uses.
(function () {
  document.querySelectorAll("[data-item-form]").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    function sync() {
      form.querySelectorAll("[data-kinds]").forEach(function (box) {
        box.hidden = box.dataset.kinds.split(" ").indexOf(kind.value) < 0;
      });
    }
    kind.addEventListener("change", sync);
    sync();
  });
})();
