// Compose, enhanced: the draft is saved a few seconds after the owner stops typing and when
// they leave the page; files are checked against the size limit before any byte is sent and
// uploaded with a progress bar. Without this script the form's buttons do the same.
(() => {
  const form = document.querySelector("form[data-compose]");
  if (!form) return;
  const draft = form.querySelector("[data-draft]");
  const forward = form.querySelector("[data-forward]");
  const status = form.querySelector("[data-autosave]");
  const files = form.querySelector("input[type=file]");
  const progress = form.querySelector("[data-progress]");
  const uploadError = form.querySelector("[data-upload-error]");
  const limit = Number(form.dataset.limit);
  let timer = null;
  let saving = null;
  let dirty = false;
  let leaving = false;

  // The form as it stands, without the files (those go only by an upload) and with `action`.
  const fields = (action) => {
    const data = new FormData(form);
    data.delete("files");
    data.set("action", action);
    return data;
  };

  // The new draft holds the kept attachments in order: the removed ones leave the list.
  const saved = (uid) => {
    draft.value = String(uid);
    forward.value = "";
    let index = 0;
    form.querySelectorAll("input[name=remove]").forEach((box) => {
      if (box.checked) {
        box.closest("li").remove();
      } else {
        box.value = String(index++);
      }
    });
  };

  const save = async () => {
    if (saving || leaving || !dirty) return;
    dirty = false;
    status.textContent = "Saving…";
    saving = fetch("/compose", {
      method: "POST",
      body: fields("save"),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(async (response) => {
        const answer = await response.json().catch(() => ({}));
        if (response.ok && answer.draft) {
          saved(answer.draft);
          status.textContent = "Draft saved.";
        } else {
          status.textContent = (answer.errors || ["The draft was not saved."]).join(" ");
        }
      })
      .catch(() => {
        status.textContent = "The draft was not saved: no connection.";
        dirty = true;
      })
      .finally(() => {
        saving = null;
      });
  };

  form.addEventListener("input", (event) => {
    if (event.target === files) return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  });

  // Whatever button was pressed, the form goes as it is: no save may follow it.
  form.addEventListener("submit", () => {
    leaving = true;
    clearTimeout(timer);
  });

  window.addEventListener("pagehide", () => {
    if (leaving || !dirty) return;
    navigator.sendBeacon("/compose", fields("save"));
  });

  files.addEventListener("change", () => {
    uploadError.hidden = true;
    const total = Array.from(files.files).reduce((sum, f) => sum + f.size, 0);
    if (total > limit) {
      uploadError.textContent = `The attachments are larger than the ${form.dataset.limitMb} MB limit.`;
      uploadError.hidden = false;
      files.value = "";
      return;
    }
    if (total === 0) return;
    clearTimeout(timer);
    const data = fields("save");
    for (const file of files.files) data.append("files", file);
    const request = new XMLHttpRequest();
    request.open("POST", "/compose");
    request.setRequestHeader("Accept", "application/json");
    progress.hidden = false;
    progress.value = 0;
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
    });
    request.addEventListener("load", () => {
      let answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch (_) {}
      if (request.status === 200 && answer.draft) {
        leaving = true;
        window.location.assign(`/compose?draft=${answer.draft}`);
      } else {
        progress.hidden = true;
        uploadError.textContent = (answer.errors || ["The files were not uploaded."]).join(" ");
        uploadError.hidden = false;
        files.value = "";
      }
    });
    request.addEventListener("error", () => {
      progress.hidden = true;
      uploadError.textContent = "The files were not uploaded: no connection.";
      uploadError.hidden = false;
    });
    request.send(data);
  });
})();
