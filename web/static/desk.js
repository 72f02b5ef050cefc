/* The new-fiche form's live suggestion (progressive enhancement: the form works without this file).
   When a field that routing reads changes, the form's routing fields — never the porteur's name,
   contact details or summary — are sent to the suggestion page and its answer replaces the panel. */
(function () {
  "use strict";
  var form = document.getElementById("fiche-form");
  var panel = document.getElementById("suggestion");
  if (!form || !panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-url");
  var ROUTING = ["commune", "activity", "nature", "kind", "needs", "publics", "employees"];
  var timer = null;
  var last = "";

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (ROUTING.indexOf(name) >= 0) { params.append(name, value); }
    });
    return params.toString();
  }

  function refresh() {
    var q = query();
    if (q === last) { return; }
    last = q;
    fetch(url + "?" + q, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || q !== last) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var body = holder.querySelector("#suggestion-body");
        var current = document.getElementById("suggestion-body");
        if (body && current) { current.replaceWith(body); }
      })
      .catch(function () { /* the "See the suggestion" button still works */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.hasAttribute("data-live")) { later(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target && event.target.hasAttribute("data-live")) { later(); }
  });
  var preview = document.getElementById("preview");
  if (preview) { preview.hidden = true; }
})();
