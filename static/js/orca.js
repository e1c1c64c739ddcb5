// ORCA staff app: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // The main menu is a <details>: closed on phones, always open as a bar on wide screens.
  // CSS (::details-content) already shows it there; this covers browsers without that.
  function syncNav() {
    var wide = window.matchMedia("(min-width: 48em)");
    var nav = document.querySelector("[data-site-nav]");
    if (!nav) return;
    function apply() {
      nav.open = wide.matches;
    }
    apply();
    wide.addEventListener("change", apply);
  }

  // An htmx request that fails (403, 404, 500, network) swaps nothing; say so in #flash
  // instead of leaving a click without an answer.
  function flashError(text) {
    var region = document.getElementById("flash");
    if (!region) return;
    var item = document.createElement("p");
    item.className = "flash__item flash__item--error";
    item.textContent = text;
    region.replaceChildren(item);
  }

  // Page scripts (board.js) say what went wrong the same way.
  window.ORCA = { flashError: flashError };

  document.addEventListener("DOMContentLoaded", syncNav);

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403) {
      flashError("You do not have permission to do that.");
    } else if (status === 404) {
      flashError("That record no longer exists. Reload the page to see the current data.");
    } else {
      flashError("Something went wrong (error " + status + "). Please try again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    flashError("The server could not be reached. Check the connection and try again.");
  });

  // The behaviours below are here rather than in hx-on attributes: htmx runs those through
  // eval, which the Content-Security-Policy forbids.

  // A region marked data-swap-forbidden takes a 403 answer like any other: there a refused action
  // answers with its own message for #flash (out of band) and leaves the rest as it is.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 403 && event.target.closest("[data-swap-forbidden]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A button data-clear="SELECTOR" empties that region: the Cancel of a form opened in place.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-clear]");
    if (!button) return;
    var region = document.querySelector(button.dataset.clear);
    if (region) region.replaceChildren();
  });

  // A table's data-tick-all="NAME" checkbox ticks or clears every checkbox named NAME in it.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof Element) || !box.matches("[data-tick-all]")) return;
    var selector = 'input[type="checkbox"][name="' + box.dataset.tickAll + '"]';
    box.closest("table").querySelectorAll(selector).forEach(function (row) {
      row.checked = box.checked;
    });
  });
})();
