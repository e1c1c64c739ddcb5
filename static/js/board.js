// Pipeline boards: move a card by dragging it to another column (SortableJS) or with its
// "Move to…" control. Either way the card moves at once and the move is posted; the server answers
// with the card as it is now and every column's count, with a dialog when the move needs details
// (a date, a reason), or with a message when it refuses, and then the card goes back where it was.
// Without this file, "Move to…" opens the move page and the board still works.
(function () {
  "use strict";

  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function requestHeaders() {
    return { "HX-Request": "true", "X-CSRFToken": csrfToken(), "HX-Current-URL": window.location.href };
  }

  // Swap only the response's out-of-band parts (the flash region, column counts).
  function swapOutOfBand(html) {
    htmx.swap(document.body, html, { swapStyle: "none" });
  }

  function say(text) {
    window.ORCA.flashError(text);
  }

  function columnList(status) {
    return document.querySelector('[data-cards][data-status="' + status + '"]');
  }

  function putBack(card, origin) {
    origin.list.insertBefore(card, origin.next && origin.next.parentNode === origin.list ? origin.next : null);
    card.classList.remove("board-card--moving");
    card.focus();
  }

  // Swap in the card as the server has it, in the column of its stage now (a move the dialog
  // changed, or one someone else made meanwhile, may end elsewhere than where it was dropped).
  function settle(card, html) {
    var id = card.id;
    htmx.swap(card, html, { swapStyle: "outerHTML" });
    var settled = document.getElementById(id);
    if (!settled) return;
    var list = columnList(settled.dataset.status);
    if (list && settled.parentNode !== list) list.prepend(settled);
    settled.focus();
  }

  // Post the move (or the dialog's form) and act on the answer.
  function post(card, origin, url, body) {
    card.classList.add("board-card--moving");
    return fetch(url, { method: "POST", headers: requestHeaders(), body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          if (response.ok || response.headers.get("X-Orca-Card") === "current") {
            closeDialog(true);
            settle(card, html);
          } else if (response.headers.get("X-Orca-Dialog")) {
            openDialog(card, origin, html);
          } else {
            closeDialog(true);
            putBack(card, origin);
            if (html) swapOutOfBand(html);
            else say("The move was refused (error " + response.status + ").");
          }
        });
      })
      .catch(function () {
        closeDialog(true);
        putBack(card, origin);
        say("The server could not be reached; the card was not moved.");
      });
  }

  function move(card, status, origin) {
    var list = columnList(status);
    if (!list) return;
    origin = origin || { list: card.parentNode, next: card.nextElementSibling };
    if (card.parentNode !== list) list.prepend(card);
    var body = new URLSearchParams({ to: status, version: card.dataset.version });
    post(card, origin, card.dataset.moveUrl, body);
  }

  // --- The move dialog ------------------------------------------------------------------------

  var dialogState = null; // {card, origin} while the dialog is open

  function dialog() {
    return document.getElementById("move-dialog");
  }

  function closeDialog(done) {
    var element = dialog();
    if (!dialogState || !element) return;
    if (done) dialogState.done = true;
    if (element.open) element.close();
  }

  function openDialog(card, origin, html) {
    var element = dialog();
    if (!element) {
      putBack(card, origin);
      return;
    }
    element.innerHTML = html;
    htmx.process(element);
    dialogState = { card: card, origin: origin, done: false };
    if (!element.open) element.showModal();
    var first = element.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  function onDialogClose() {
    var state = dialogState;
    dialogState = null;
    dialog().replaceChildren();
    if (state && !state.done) putBack(state.card, state.origin);
  }

  function onDialogSubmit(event) {
    var form = event.target.closest("[data-dialog-form]");
    if (!form || !dialogState) return;
    event.preventDefault();
    post(dialogState.card, dialogState.origin, form.action, new FormData(form));
  }

  function onDialogClick(event) {
    if (event.target.closest("[data-dialog-cancel]")) {
      event.preventDefault();
      closeDialog(false);
    }
  }

  // --- Wiring -----------------------------------------------------------------------------------

  function onMoveFormSubmit(event) {
    var form = event.target.closest("[data-move-form]");
    if (!form) return;
    var card = form.closest("[data-card]");
    var status = form.elements.to.value;
    if (!card || !status) return;
    event.preventDefault();
    move(card, status);
  }

  function makeSortable(list) {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "on";
    Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: "[data-card]:not([data-locked])",
      filter: "a, button, select, input, label",
      preventOnFilter: false,
      animation: 150,
      ghostClass: "board-card--ghost",
      onEnd: function (event) {
        if (event.from === event.to) return;
        var origin = { list: event.from, next: event.from.children[event.oldIndex] || null };
        move(event.item, event.to.dataset.status, origin);
      },
    });
  }

  function init(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll("[data-cards]").forEach(makeSortable);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = dialog();
    if (element) {
      element.addEventListener("close", onDialogClose);
      element.addEventListener("submit", onDialogSubmit);
      element.addEventListener("click", onDialogClick);
    }
    document.addEventListener("submit", onMoveFormSubmit);
    init(document);
    htmx.onLoad(init);
  });
})();
