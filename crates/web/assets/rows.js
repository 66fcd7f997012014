// A click anywhere on a list row opens what the row's first link opens.
"use strict";
(function () {
  for (const row of document.querySelectorAll("tr[data-href]")) {
    row.classList.add("clickable");
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select")) return;
      window.location.assign(row.dataset.href);
    });
  }
})();
