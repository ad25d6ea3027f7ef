// 家长告知书: the body editor (Quill 2, vendored). The form still posts the textarea: the editor writes its HTML
// there on every change, and the server sanitises it (nh3) whatever arrives. Without scripts the textarea is all.
// Pictures are uploaded one by one to the notices endpoint (checked by content there) and inserted by their URL:
// no data: URL ever enters the body, and pasted pictures from elsewhere are dropped with a note.
(function () {
  "use strict";
  var root = document.querySelector("[data-body-editor]");
  if (!root || !window.Quill) return;
  var field = document.getElementById(root.dataset.bodyEditor);
  var holder = root.querySelector(".body-editor");
  var toolbar = root.querySelector(".body-toolbar");
  var status = root.querySelector("[data-upload-status]");
  var form = field.form;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var maxBytes = Number(root.dataset.imageMaxMb || 8) * 1024 * 1024;
  var OURS = /^\/notices\/images\/[0-9]+\/$/;
  var Delta = window.Quill.import("delta");

  function say(text, isError) {
    status.textContent = text;
    status.className = "small mt-1 " + (isError ? "text-danger" : "text-muted");
  }

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // A body saved as plain text (blank lines between paragraphs) becomes paragraphs, as the server would.
  function asHtml(text) {
    if (/<[a-zA-Z\/][^>]*>/.test(text)) return text;
    return text.split(/\r?\n/).map(function (line) { return line.trim(); }).filter(Boolean)
      .map(function (line) { return "<p>" + escapeText(line) + "</p>"; }).join("");
  }

  toolbar.hidden = false;
  holder.hidden = false;
  var quill = new window.Quill(holder, {
    theme: "snow",
    formats: ["bold", "italic", "underline", "header", "list", "link", "image", "blockquote"],
    placeholder: "各位家长：……",
    modules: {
      toolbar: {
        container: toolbar,
        handlers: {
          image: pickImage,
          undo: function () { quill.history.undo(); },
        },
      },
      history: { delay: 1000, maxStack: 200, userOnly: true },
      uploader: {
        mimetypes: ["image/png", "image/jpeg", "image/webp"],
        handler: function (range, files) { uploadAll(files, range.index); },
      },
      clipboard: {
        matchers: [["IMG", function (node, delta) {
          if (OURS.test(node.getAttribute("src") || "")) return delta;
          say("粘贴内容中的图片未保留：请用工具栏的“插入图片”上传。", true);
          return new Delta();
        }]],
      },
    },
  });

  // The theme puts its icons in every button; the text buttons keep their words.
  toolbar.querySelectorAll(".tool-text").forEach(function (button) { button.textContent = button.getAttribute("aria-label"); });
  var label = document.getElementById("body-label");
  label.removeAttribute("for");
  label.addEventListener("click", function () { quill.focus(); });
  quill.root.setAttribute("role", "textbox");
  quill.root.setAttribute("aria-multiline", "true");
  quill.root.setAttribute("aria-labelledby", "body-label");
  var linkBox = holder.querySelector(".ql-tooltip input[type=text]");
  if (linkBox) linkBox.setAttribute("data-link", "https://");
  field.hidden = true;
  root.querySelector("[data-plain-help]").hidden = true;
  root.querySelector("[data-editor-help]").hidden = false;

  function sync() {
    var empty = quill.getText().trim() === "" && !quill.root.querySelector("img");
    field.value = empty ? "" : quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }

  quill.clipboard.dangerouslyPasteHTML(asHtml(field.value), "silent");
  quill.history.clear();
  sync();
  quill.on("text-change", sync);
  form.addEventListener("submit", sync);

  function pickImage() {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png,image/webp";
    input.multiple = true;
    input.addEventListener("change", function () {
      var range = quill.getSelection(true);
      if (input.files && input.files.length) uploadAll(input.files, range ? range.index : quill.getLength());
    });
    input.click();
  }

  function uploadAll(files, index) {
    Array.prototype.reduce.call(files, function (chain, file) {
      return chain.then(function (at) { return uploadOne(file, at); });
    }, Promise.resolve(index));
  }

  function uploadOne(file, index) {
    if (file.size > maxBytes) {
      say("图片“" + file.name + "”超过 " + root.dataset.imageMaxMb + " MB，请压缩后再插入", true);
      return Promise.resolve(index);
    }
    say("正在上传图片“" + file.name + "”…");
    var data = new FormData();
    data.append("image", file, file.name);
    data.append("issuer", root.dataset.issuer);
    return fetch(root.dataset.uploadUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf },
    }).then(function (response) {
      return response.json().catch(function () { return { detail: "上传失败（" + response.status + "），请稍后重试" }; })
        .then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        say(result.body.detail || "图片上传失败，请重试", true);
        return index;
      }
      quill.insertEmbed(index, "image", result.body.url, "user");
      quill.setSelection(index + 1, 0, "silent");
      say("已插入图片“" + file.name + "”");
      return index + 1;
    }).catch(function () {
      say("网络异常，图片“" + file.name + "”未上传，请重试", true);
      return index;
    });
  }
})();
