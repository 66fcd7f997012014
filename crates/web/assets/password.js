// Live checks for every password form, from the same rule list the server enforces
// (data-rules), and "Generate strong password". Without this script the server checks alone.
"use strict";
(function () {
  const checks = {
    min_length: (p, r) => Array.from(p).length >= r.min,
    uppercase: (p) => /\p{Uppercase}/u.test(p),
    lowercase: (p) => /\p{Lowercase}/u.test(p),
    digit: (p) => /[0-9]/.test(p),
  };
  for (const form of document.querySelectorAll("form[data-password-form]")) {
    const rules = JSON.parse(form.dataset.rules || "[]");
    const password = form.querySelector("[data-password]");
    const confirm = form.querySelector("[data-confirm]");
    const save = form.querySelector("[data-save]");
    const generate = form.querySelector("[data-generate]");
    const update = () => {
      const p = password.value;
      let all = true;
      for (const rule of rules) {
        const met = p !== "" && (checks[rule.kind] ? checks[rule.kind](p, rule) : false);
        form.querySelector(`[data-rule="${rule.id}"]`)?.classList.toggle("met", met);
        all = all && met;
      }
      const match = p !== "" && p === confirm.value;
      form.querySelector('[data-rule="match"]')?.classList.toggle("met", match);
      save.disabled = !(all && match);
    };
    password.addEventListener("input", update);
    confirm.addEventListener("input", update);
    if (generate) {
      generate.hidden = false;
      generate.addEventListener("click", async () => {
        const answer = await fetch("/password/generate", { headers: { accept: "application/json" } });
        if (!answer.ok) return;
        const { password: made } = await answer.json();
        password.value = made;
        confirm.value = made;
        password.type = "text";
        confirm.type = "text";
        update();
        password.select();
      });
    }
    update();
  }
})();
