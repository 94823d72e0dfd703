// iiv: small enhancements. Every page works without this file.
// - "/" jumps to the search box.
// - "Copy" buttons copy a draft's text.
// - When the vault changes on disk, the page's <main> is fetched again and swapped in,
//   unless the focus is inside it (then it waits until the focus leaves).
(function () {
  "use strict";

  var POLL_MS = 2000;
  var body = document.body;
  var generation = body.getAttribute("data-generation");
  var statusUrl = body.getAttribute("data-status-url") || "/api/status";
  var stale = false;
  var busy = false;

  function isTyping(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var box = document.getElementById("search-q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Swapping <main> would drop what you type and where the keyboard focus is: wait while
  // the focus is on something inside it (a field, a button, a link).
  function busyInMain() {
    var main = document.getElementById("main");
    var active = document.activeElement;
    return !!(main && active && active !== main && main.contains(active));
  }

  function refreshMain() {
    if (busy || busyInMain()) return;
    busy = true;
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var main = document.getElementById("main");
        var next = fresh.getElementById("main");
        if (!main || !next) return;
        main.innerHTML = next.innerHTML;
        showCopyButtons();
        if (fresh.title) document.title = fresh.title;
        stale = false;
      })
      .catch(function () { /* the server may be restarting; try again on the next tick */ })
      .then(function () { busy = false; });
  }

  function poll() {
    if (document.hidden) return;
    fetch(statusUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status || status.generation === undefined) return;
        var current = String(status.generation);
        if (current !== generation) {
          generation = current;
          stale = true;
        }
        if (stale) refreshMain();
      })
      .catch(function () { /* offline for a moment: keep polling */ });
  }

  // Copy buttons (a draft's body): shown only where the clipboard can be written.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value || source.textContent || "").then(function () {
      button.textContent = "Copied";
    });
  });

  function showCopyButtons() {
    if (!navigator.clipboard) return;
    var buttons = document.querySelectorAll("[data-copy][hidden]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }

  showCopyButtons();

  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
})();
