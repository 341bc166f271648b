// aralnexus serve: live validation in the scenario editor and streamed run progress.
// Plain DOM code, no framework; all text goes in through textContent (never innerHTML).
"use strict";

(function () {
  const token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body),
    }).then((response) => response.json());
  }

  function fill(list, items, make) {
    list.replaceChildren(...items.map(make));
  }

  // -- scenario editor ---------------------------------------------------------------------
  function setUpEditor() {
    const yaml = document.getElementById("yaml");
    if (!yaml) return;
    const file = document.getElementById("file");
    const gutter = document.getElementById("gutter");
    const box = document.getElementById("validation");
    const status = document.getElementById("validation-status");
    const problems = document.getElementById("problems");
    const overrides = document.getElementById("overrides");
    const fields = Array.from(document.querySelectorAll("#common-fields .field"));
    let badLines = new Map();
    let timer = null;
    let sequence = 0;

    function drawGutter() {
      const count = yaml.value.split("\n").length;
      const rows = [];
      for (let i = 1; i <= count; i += 1) {
        const span = document.createElement("span");
        span.textContent = String(i);
        if (badLines.has(i)) {
          span.className = "bad";
          span.title = badLines.get(i).join("\n");
        }
        rows.push(span, document.createTextNode("\n"));
      }
      gutter.replaceChildren(...rows);
      gutter.scrollTop = yaml.scrollTop;
    }

    function concerns(problem, paths) {
      return paths.some((p) => problem.field === p || problem.field.startsWith(p + "."));
    }

    function render(result) {
      box.classList.toggle("ok", result.valid);
      box.classList.toggle("bad", !result.valid);
      const n = (result.problems || []).length;
      const template = result.valid ? box.dataset.validText : box.dataset.invalidText;
      status.textContent = template.replace("{n}", String(result.valid ? result.overrides.length : n));
      fill(problems, result.problems || [], (p) => {
        const li = document.createElement("li");
        li.textContent = p.message;
        li.dataset.line = p.line || "";
        li.dataset.field = p.field;
        return li;
      });
      fill(overrides, result.overrides || [], (o) => {
        const li = document.createElement("li");
        const code = document.createElement("code");
        code.textContent = o.path;
        li.append(code, ": " + (o.default || "—") + " → " + (o.value || "—"));
        return li;
      });
      badLines = new Map();
      for (const p of result.problems || []) {
        if (p.line) badLines.set(p.line, [...(badLines.get(p.line) || []), p.message]);
      }
      for (const field of fields) {
        const input = field.querySelector("input, select");
        if (result.fields && input.name in result.fields && document.activeElement !== input) {
          input.value = result.fields[input.name];  // the form shows what the YAML says
        }
        const paths = (field.dataset.paths || "").split(" ").filter(Boolean);
        const mine = (result.problems || []).filter((p) => concerns(p, paths));
        field.classList.toggle("has-problem", mine.length > 0);
        fill(field.querySelector(".field-problems"), mine, (p) => {
          const li = document.createElement("li");
          li.textContent = p.message;
          return li;
        });
      }
      const name = document.getElementById("scenario-name");
      if (name && result.name) name.textContent = result.name;
      drawGutter();
    }

    function validate() {
      const mine = (sequence += 1);
      postJson("/api/validate", { yaml: yaml.value, file: file.value })
        .then((result) => { if (mine === sequence) render(result); })
        .catch(() => { status.textContent = box.dataset.offlineText; });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(validate, 350);
      drawGutter();
    }

    yaml.addEventListener("input", later);
    file.addEventListener("input", later);
    yaml.addEventListener("scroll", () => { gutter.scrollTop = yaml.scrollTop; });
    problems.addEventListener("click", (event) => {
      const line = Number(event.target.dataset && event.target.dataset.line);
      if (!line) return;
      const starts = yaml.value.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
      const end = yaml.value.indexOf("\n", starts);
      yaml.focus();
      yaml.setSelectionRange(starts, end === -1 ? yaml.value.length : end);
    });
    const apply = document.getElementById("apply");
    apply.addEventListener("click", (event) => {
      event.preventDefault();
      const values = {};
      for (const field of fields) {
        const input = field.querySelector("input, select");
        values[input.name] = input.value;
      }
      postJson("/api/apply-form", { yaml: yaml.value, file: file.value, fields: values })
        .then((result) => {
          if (typeof result.yaml === "string") {
            yaml.value = result.yaml;
            render(result);
          } else {
            box.classList.remove("ok");
            box.classList.add("bad");
            status.textContent = [result.error, ...(result.problems || [])].join(" · ");
          }
        });
    });
    drawGutter();
    validate();
  }

  // -- a run's progress --------------------------------------------------------------------
  function setUpJob() {
    const job = document.getElementById("job");
    if (!job || !window.EventSource) return;
    const finished = ["done", "failed", "cancelled"];
    if (finished.includes(job.dataset.state)) return;
    const state = document.getElementById("job-state");
    const phase = document.getElementById("job-phase");
    const elapsed = document.getElementById("job-elapsed");
    const lines = document.getElementById("job-lines");
    const failure = document.getElementById("job-error");
    const result = document.getElementById("job-result");
    const cancel = document.getElementById("cancel-form");
    const bar = document.getElementById("job-bar");
    const source = new EventSource("/jobs/" + encodeURIComponent(job.dataset.job) + "/events");
    source.onmessage = (event) => {
      const snap = JSON.parse(event.data);
      job.dataset.state = snap.state;
      state.textContent = snap.state;
      state.className = "state-" + snap.state;
      phase.textContent = snap.phase;
      elapsed.textContent = String(snap.elapsed_s);
      lines.textContent = snap.lines.join("\n");
      lines.scrollTop = lines.scrollHeight;
      bar.classList.toggle("moving", snap.state === "running");
      if (snap.error) {
        failure.hidden = false;
        failure.textContent = snap.error;
      }
      if (snap.run_id) {
        const link = document.createElement("a");
        link.id = "run-link";
        link.href = "/runs/" + encodeURIComponent(snap.run_id);
        link.textContent = job.dataset.openText.replace("{id}", snap.run_id.slice(0, 12));
        result.replaceChildren(link);
      }
      if (finished.includes(snap.state)) {
        cancel.hidden = true;
        source.close();
      }
    };
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpEditor();
    setUpJob();
  });
})();
