// Live updates from the server (server-sent events): a mailbox's 2FA pill and section change
// the moment its owner turns 2FA on or off, here or on another node.
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
  events.addEventListener("signed_out", () => {
    events.close();
    window.location.assign("/signin");
  });
})();
