// 家长告知书: copy one guardian's message or link. The Clipboard API where the page is a secure context, else
// the old select-and-copy, else a prompt with the text selected for a long press (old phone browsers).
(function () {
  "use strict";
  function selectAndCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    area.setSelectionRange(0, text.length);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied;
  }
  function report(button, copied, text) {
    var label = button.dataset.label || button.textContent;
    var status = document.getElementById("copy-status");
    button.dataset.label = label;
    if (!copied) window.prompt("浏览器不允许自动复制，请长按选中后复制：", text);
    button.textContent = copied ? "已复制" : label;
    if (copied) button.classList.add("copied");
    if (status) status.textContent = copied ? button.dataset.copyWhat + "已复制，可粘贴到微信或短信发给这位家长" : "";
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.dataset.copy;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { report(button, true, text); },
        function () { report(button, selectAndCopy(text), text); }
      );
    } else {
      report(button, selectAndCopy(text), text);
    }
  });
})();
