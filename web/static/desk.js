/* The new-fiche form's live suggestion (progressive enhancement: the form works without this file).
   When a field that routing reads changes, the form's routing fields — never the porteur's name,
   contact details or summary — are sent to the suggestion page and its answer replaces the panel,
   and the form's "confirm the legal nature" question when the activity asks a new one.
   The commune and activity fields also ask the server's one search (the territory's communes by
   name or postal code; the NAF activities by everyday words, as `capactif naf search`) what matches
   the text typed so far; each answer is a button that fills the field. */
(function () {
  "use strict";
  var form = document.getElementById("fiche-form");
  var panel = document.getElementById("suggestion");
  if (!form || !panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-url");
  var ROUTING = ["commune", "activity", "nature", "farm_link", "kind", "artisan_registered",
                 "artisan_registered_shown", "needs", "publics", "employees"];
  var timer = null;
  var last = "";

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (ROUTING.indexOf(name) >= 0) { params.append(name, value); }
    });
    return params.toString();
  }

  function swap(holder, id, keyed) {
    var fresh = holder.querySelector("#" + id);
    var current = document.getElementById(id);
    if (!fresh || !current) { return; }
    if (keyed && fresh.getAttribute("data-key") === current.getAttribute("data-key")) { return; }
    current.replaceWith(fresh);
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
        swap(holder, "suggestion-body", false);
        swap(holder, "nature-question", true);  // kept while it asks the same question (focus, choice)
      })
      .catch(function () { /* the "See the suggestion" button still works */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  }

  /* "Already registered" follows the presumption of the kind chosen until the technician ticks or
     unticks it (the hidden field says which presumption the box shows). */
  function presume(kind) {
    var box = document.getElementById("artisan_registered");
    var shown = form.querySelector("input[name=artisan_registered_shown]");
    if (!box || !shown) { return; }
    var presumed = kind === "development";
    if (box.checked === (shown.value === "yes")) {
      box.checked = presumed;
      shown.value = presumed ? "yes" : "no";
    }
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.hasAttribute("data-live")) { later(); }
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "kind") { presume(target.value); }
    if (target && target.hasAttribute("data-live")) { later(); }
  });
  // --- the commune and activity fields' search ----------------------------------------------------
  function searchField(name) {
    var input = document.getElementById(name);
    var list = document.getElementById(name + "-found");
    if (!input || !list) { return; }
    var searchUrl = list.getAttribute("data-search");
    var wait = null;
    var asked = null;
    function search() {
      var text = input.value.trim();
      if (text === asked) { return; }
      asked = text;
      if (!text) { list.innerHTML = ""; return; }
      fetch(searchUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || text !== asked) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var found = holder.querySelector("#" + name + "-found");
          list.innerHTML = found ? found.innerHTML : "";
        })
        .catch(function () { /* the datalist and the server's checks still help */ });
    }
    input.addEventListener("input", function () {
      if (wait) { clearTimeout(wait); }
      wait = setTimeout(search, 200);
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-fill]");
      if (!button) { return; }
      input.value = button.value;
      asked = input.value.trim();
      list.innerHTML = "";
      input.focus();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  searchField("commune");
  searchField("activity");

  var preview = document.getElementById("preview");
  if (preview) { preview.hidden = true; }
})();
