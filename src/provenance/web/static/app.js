// The web app's one script (CSP: script-src 'self'). Pages work without it; it adds progress
// feedback on submit and fits the report frame to its content.
"use strict";
(function () {
  // A check may take seconds: say so at once. After a second the server answers with a
  // "working" page that refreshes itself until the result is there.
  var form = document.getElementById("check-form");
  if (form) {
    form.addEventListener("submit", function () {
      var status = document.getElementById("status");
      if (status) { status.textContent = "Checking…"; }
      form.classList.add("busy");
      var button = form.querySelector("button[type=submit]");
      // Disabled after this event, so this submission goes ahead but a second click does not.
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  }

  var permalink = document.getElementById("permalink");
  if (permalink) {
    permalink.addEventListener("focus", function () { permalink.select(); });
  }

  // The report is framed from this site: grow the frame to its content so the page scrolls
  // (and prints) as one, and open its links to other sites in a new tab (this page's CSP
  // allows frames from 'self' only).
  var frame = document.getElementById("report");
  if (!frame) { return; }
  function fit() {
    try {
      var root = frame.contentDocument && frame.contentDocument.documentElement;
      if (root) { frame.style.height = root.scrollHeight + "px"; }
    } catch (e) { /* not readable: keep the stylesheet's height */ }
  }
  var attached = null;
  function attach() {
    var doc = frame.contentDocument;
    if (!doc || !doc.body || doc.location.href === "about:blank" || doc === attached) { return; }
    attached = doc;
    fit();
    if (window.ResizeObserver) { new ResizeObserver(fit).observe(doc.body); }
    doc.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (link && link.origin !== window.location.origin) {
        event.preventDefault();
        window.open(link.href, "_blank", "noopener,noreferrer");
      }
    });
  }
  frame.addEventListener("load", attach);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") { attach(); }
  window.addEventListener("resize", fit);
})();
