(function () {
  "use strict";
  var doc = document;
  doc.documentElement.className += " js";
  var tabs = Array.prototype.slice.call(doc.querySelectorAll(".tab[data-panel]"));
  var panels = Array.prototype.slice.call(doc.querySelectorAll(".panel"));
  var current = panels.length ? panels[0].id : null;

  function show(id) {
    current = id;
    panels.forEach(function (p) { p.hidden = p.id !== id; });
    tabs.forEach(function (t) {
      t.setAttribute("aria-selected", t.getAttribute("data-panel") === id ? "true" : "false");
    });
  }

  function resolve(goto) {
    // "*-a123" names an article sentence in whichever panel is shown.
    if (goto.charAt(0) === "*") {
      if (!current) { return null; }
      return doc.getElementById(current.replace("panel-", "p") + goto.slice(1));
    }
    return doc.getElementById(goto);
  }

  function jump(from) {
    var target = resolve(from.getAttribute("data-goto"));
    if (!target) { return; }
    var panel = target.closest(".panel");
    if (panel && panel.hidden) { show(panel.id); }
    target.scrollIntoView({ block: "center", inline: "nearest" });
    var old = doc.querySelectorAll(".flash");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("flash"); }
    target.classList.add("flash");
  }

  if (current) { show(current); }
  tabs.forEach(function (t) {
    t.addEventListener("click", function () { show(t.getAttribute("data-panel")); });
  });
  doc.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-goto]") : null;
    if (el) { event.preventDefault(); event.stopPropagation(); jump(el); }
  });
  doc.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    var el = event.target.closest ? event.target.closest("[data-goto]") : null;
    if (el) { event.preventDefault(); jump(el); }
  });
})();
