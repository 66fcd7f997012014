// Live updates from the server (server-sent events): a mailbox's 2FA pill and section change
// the moment its owner turns 2FA on or off, here or on another node; the webmail's list shows
// new mail and changes made in other mail apps without a reload.
"use strict";
(function () {
  if (!window.EventSource) return;
  const events = new EventSource("/events");
  // A form being sent (e.g. the delete itself) leads somewhere of its own.
  let leaving = false;
  document.addEventListener("submit", () => { leaving = true; });
  events.addEventListener("mailbox", (message) => {
    const change = JSON.parse(message.data);
    for (const scope of document.querySelectorAll(`[data-mailbox="${change.mailbox_id}"]`)) {
      if (change.deleted && scope.matches(".mailbox-head")) {
        if (!leaving) window.location.assign("/mailboxes");
        return;
      }
      for (const on of scope.querySelectorAll("[data-2fa-on]")) on.hidden = !change.two_factor_on;
      for (const off of scope.querySelectorAll("[data-2fa-off]")) off.hidden = change.two_factor_on;
    }
  });
  // The webmail's list: its parts marked data-live are fetched again and swapped in; what the
  // owner ticked or chose in them stays ticked and chosen.
  let refreshing = false;
  let again = false;
  let timer = null;
  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const answer = await fetch(window.location.href, { headers: { accept: "text/html" } });
      if (!answer.ok || answer.redirected || leaving) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const ticked = new Set();
      for (const box of document.querySelectorAll("[data-live] input[type=checkbox]:checked")) {
        ticked.add(`${box.name}=${box.value}`);
      }
      const chosen = new Map();
      for (const select of document.querySelectorAll("[data-live] select")) chosen.set(select.name, select.value);
      for (const part of document.querySelectorAll("[data-live]")) {
        const next = fresh.querySelector(`[data-live="${part.dataset.live}"]`);
        if (next) part.replaceWith(document.adoptNode(next));
      }
      for (const box of document.querySelectorAll("[data-live] input[type=checkbox]")) {
        if (ticked.has(`${box.name}=${box.value}`)) box.checked = true;
      }
      for (const select of document.querySelectorAll("[data-live] select")) {
        if (chosen.has(select.name) && [...select.options].some((o) => o.value === chosen.get(select.name))) {
          select.value = chosen.get(select.name);
        }
      }
    } catch (_) {
      // Offline for a moment: the next change refreshes again.
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }
  events.addEventListener("mail", () => {
    if (!document.querySelector("[data-live]")) return;
    // A burst of changes (a mail app moving a hundred messages) is one refresh.
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      refresh();
    }, 200);
  });
  events.addEventListener("signed_out", () => {
    events.close();
    window.location.assign("/signin");
  });
})();
