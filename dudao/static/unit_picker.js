// The unit-tree picker (orgs/_tree_picker.html): a tree loaded one level at a time and a search, both served by
// /orgs/picker/tree/ through htmx. The chosen units are chips, each holding the hidden input the form posts, so
// what is chosen survives closing a branch or a new search. A change sends "picker-change" from the picker.
// A picker of many schools also lists the risk tags (按标签): a tag opens its schools, "全部选中" ticks them all.
(function () {
  if (window.unitPickerReady) return;
  window.unitPickerReady = true;

  function chips(picker) { return picker.querySelectorAll("[data-upk-chip]"); }
  function nameFor(picker, pick) { return pick === "whole" ? picker.dataset.wholeName : picker.dataset.name; }
  function chipFor(picker, name, id) {
    return picker.querySelector('[data-upk-chip][data-name="' + name + '"][data-id="' + id + '"]');
  }

  function addChip(picker, name, id, label) {
    if (chipFor(picker, name, id)) return;
    var chip = document.createElement("span");
    chip.className = "upk-chip";
    chip.setAttribute("data-upk-chip", "");
    chip.dataset.name = name;
    chip.dataset.id = id;
    var text = document.createElement("span");
    text.textContent = label;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = id;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "upk-remove";
    remove.setAttribute("data-upk-remove", "");
    remove.setAttribute("aria-label", "移除 " + label);
    remove.textContent = "×";
    chip.append(text, input, remove);
    picker.querySelector("[data-upk-chips]").append(chip);
  }

  // Ticks follow the chips; inside a district taken whole its schools show ticked and cannot be unticked alone.
  function sync(picker) {
    var whole = {};
    picker.querySelectorAll('[data-upk-chip][data-name="' + picker.dataset.wholeName + '"]').forEach(function (c) {
      whole[c.dataset.id] = true;
    });
    picker.querySelectorAll(".upk-pick").forEach(function (box) {
      var inside = false;
      if (box.dataset.pick === "unit") {
        var row = box.closest(".upk-row");
        (row.dataset.ancestors || "").split(" ").forEach(function (id) { if (id && whole[id]) inside = true; });
      }
      box.checked = inside || !!chipFor(picker, nameFor(picker, box.dataset.pick), box.dataset.id);
      box.disabled = inside;
      box.title = inside ? "已包含在所选区县的全部学校中" : "";
    });
    var n = chips(picker).length;
    var count = picker.querySelector("[data-upk-count]");
    if (picker.dataset.multiple) count.textContent = "已选 " + n + " 项";
    else count.textContent = n ? "已选" : "尚未选择";
    var clear = picker.querySelector("[data-upk-clear]");
    if (clear) clear.hidden = n === 0;
  }

  function changed(picker) {
    sync(picker);
    picker.dispatchEvent(new CustomEvent("picker-change", { bubbles: true }));
  }

  document.addEventListener("change", function (event) {
    var box = event.target.closest(".upk-pick");
    if (!box) return;
    var picker = box.closest("[data-unit-picker]");
    var name = nameFor(picker, box.dataset.pick);
    if (!picker.dataset.multiple) chips(picker).forEach(function (c) { c.remove(); });
    if (box.checked) addChip(picker, name, box.dataset.id, box.dataset.label);
    else {
      var chip = chipFor(picker, name, box.dataset.id);
      if (chip) chip.remove();
    }
    changed(picker);
  });

  document.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-upk-remove]");
    if (remove) {
      var picker = remove.closest("[data-unit-picker]");
      remove.closest("[data-upk-chip]").remove();
      changed(picker);
      return;
    }
    var all = event.target.closest("[data-upk-pick-all]");
    if (all) {  // 按标签: every school the tag lists becomes a chip
      var holder = all.closest("[data-unit-picker]");
      all.closest("[data-upk-panel]").querySelectorAll('.upk-pick[data-pick="unit"]').forEach(function (box) {
        if (!box.disabled) addChip(holder, holder.dataset.name, box.dataset.id, box.dataset.label);
      });
      changed(holder);
      return;
    }
    var clear = event.target.closest("[data-upk-clear]");
    if (clear) {
      var p = clear.closest("[data-unit-picker]");
      chips(p).forEach(function (c) { c.remove(); });
      changed(p);
      return;
    }
    var open = event.target.closest("[data-upk-open]");
    if (open) {
      var box = open.closest(".upk-row").querySelector("[data-upk-children]");
      var expanded = open.getAttribute("aria-expanded") === "true";
      open.setAttribute("aria-expanded", expanded ? "false" : "true");
      open.setAttribute("aria-label", (expanded ? "展开 " : "收起 ") + open.getAttribute("aria-label").slice(3));
      box.hidden = expanded;
      if (!expanded && !box.dataset.loaded) {
        box.dataset.loaded = "1";
        box.innerHTML = '<div class="small text-muted ps-4">正在加载…</div>';
        var url = open.closest("[data-unit-picker]").dataset.url + "&parent=" + encodeURIComponent(open.dataset.upkOpen);
        htmx.ajax("GET", url, { target: box, swap: "innerHTML" });
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.target.closest && event.target.closest("[data-unit-picker]");
    if (picker) sync(picker);
  });
})();
