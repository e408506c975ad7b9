// Progressive enhancement only: every page works without this file.
// Adds a copy button after each [data-copy] element (attribution text, API examples).
(function () {
  "use strict";
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }
  document.querySelectorAll("[data-copy]").forEach(function (source) {
    var row = document.createElement("div");
    row.className = "copy-row";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = source.getAttribute("data-copy-label") || "Copy";
    if (source.hasAttribute("data-copy-describedby")) {
      button.setAttribute("aria-describedby", source.getAttribute("data-copy-describedby"));
    }
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      copyText(source.textContent).then(function () {
        status.textContent = source.getAttribute("data-copied-label") || "Copied";
        window.setTimeout(function () { status.textContent = ""; }, 4000);
      });
    });
    row.appendChild(button);
    row.appendChild(status);
    var anchor = source.closest("pre") || source;
    anchor.insertAdjacentElement("afterend", row);
  });
})();
