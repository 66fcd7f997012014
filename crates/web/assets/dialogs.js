// Confirmation dialogs (delete mailbox, new recovery code). Without this script the same links
// lead to confirmation pages.
"use strict";
(function () {
  const csrf = document.querySelector("[data-csrf]")?.dataset.csrf || "";
  for (const opener of document.querySelectorAll("[data-open-dialog]")) {
    opener.addEventListener("click", (event) => {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (!dialog) return;
      event.preventDefault();
      dialog.showModal();
    });
  }
  for (const closer of document.querySelectorAll("[data-close-dialog]")) {
    closer.addEventListener("click", () => closer.closest("dialog").close());
  }
  const recovery = document.getElementById("recovery-dialog");
  if (!recovery) return;
  const confirmStep = recovery.querySelector('[data-step="confirm"]');
  const showStep = recovery.querySelector('[data-step="show"]');
  const codeBox = recovery.querySelector("[data-code]");
  const failed = recovery.querySelector("[data-dialog-error]");
  let issued = false;
  recovery.querySelector("[data-generate-code]").addEventListener("click", async () => {
    failed.hidden = true;
    const answer = await fetch(recovery.dataset.recoveryUrl, {
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ csrf }),
    });
    if (!answer.ok) {
      failed.hidden = false;
      return;
    }
    const { code } = await answer.json();
    codeBox.textContent = code;
    confirmStep.hidden = true;
    showStep.hidden = false;
    issued = true;
    codeBox.focus();
  });
  recovery.addEventListener("close", () => {
    // Once closed, the code is gone from the page for good.
    codeBox.textContent = "";
    confirmStep.hidden = false;
    showStep.hidden = true;
    if (issued) {
      document.querySelector("[data-recovery-status]").textContent = "Issued just now";
      issued = false;
    }
  });
})();
