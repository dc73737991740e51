/* The grid worker's page: the needs in my cells (the API answers only those: where, what, how urgent) and who is working on them; the
   recovery tasks in my cells, to confirm once done; and a form to report a risk, with the risks I reported. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const { el, fill, api, all } = window.dom;
  const risks = window.riskForm();
  const json = (url) => api("GET", url);
  const send = (url, body) => api("POST", url, body);
  const $ = (id) => document.getElementById(id);
  const SHOWN = ["offered", "accepted", "en_route", "on_site", "completed"];
  let shown = "";
  const skillNames = {}; // skill code → its name in the page's language

  async function load() {
    await Promise.all([loadNeeds(), loadTasks(), risks.load()]);
  }

  let soon = null;
  function changed(nudges) {
    clearTimeout(soon);
    const risky = nudges.some((n) => n.kind.startsWith("risk."));
    soon = setTimeout(() => (risky ? load() : Promise.all([loadNeeds(), loadTasks()])), 100);
  }

  async function loadNeeds() {
    if (!Object.keys(skillNames).length) {
      for (const skill of (await json("/api/skills")).items) {
        skillNames[skill.code] = document.documentElement.lang === "en" ? skill.label_en : skill.label_zh;
      }
    }
    const incidents = await all("/api/incidents?status=active");
    const needs = (await Promise.all(incidents.map(async (incident) =>
      (await json(`/api/incidents/${incident.id}/needs`)).items.map((need) => ({ need, incident }))))).flat();
    const now = JSON.stringify(needs);
    if (now === shown) return;
    shown = now;
    $("needs").replaceChildren(...needs.map(({ need, incident }) => el("li", { class: `card ${need.status}`, "data-need": need.id },
      el("h2", {}, need.skills.map((code) => skillNames[code] || code).join("、"), " ",
        el("span", { class: `need-priority ${need.priority}` }, T.priority[need.priority] || need.priority)),
      el("p", { class: "meta" }, incident.drill ? el("span", { class: "drill" }, T.drill) : "", incident.title),
      el("p", { class: "where" }, need.place_name || need.address || `${need.location.lat.toFixed(5)}, ${need.location.lon.toFixed(5)}`),
      need.description ? el("p", { class: "description" }, need.description) : "",
      el("p", {}, T.status[need.status] || need.status, ` · ${need.accepted} / ${need.head_count} ${T.people}`),
      el("ul", { class: "offers" }, ...need.assignments.filter((a) => SHOWN.includes(a.state)).map((a) =>
        el("li", { "data-state": a.state }, a.organization.name, " · ", T.state[a.state], a.head_count ? ` ${a.head_count}` : ""))))));
    $("no-needs").hidden = needs.length > 0;
  }

  // ---- recovery tasks in my cells ----------------------------------------------------------------------------
  let shownTasks = "";
  async function loadTasks() {
    const incidents = await all("/api/incidents?status=recovery");
    const tasks = (await Promise.all(incidents.map(async (incident) =>
      (await json(`/api/incidents/${incident.id}/recovery`)).tasks.map((task) => ({ task, incident }))))).flat();
    const now = JSON.stringify(tasks);
    if (now === shownTasks) return;
    shownTasks = now;
    $("tasks").replaceChildren(...tasks.map(taskCard));
    $("no-tasks").hidden = tasks.length > 0;
  }

  function taskCard({ task, incident }) {
    const card = el("li", { class: "card", "data-task": task.id },
      el("h3", {}, task.what),
      el("p", { class: "meta" }, incident.drill ? el("span", { class: "drill" }, T.drill) : "", incident.title,
        task.cell ? ` · ${task.cell.name}` : ""),
      el("p", {}, el("span", { class: `recovery-state ${task.state}` }, T.recovery[task.state]), " ", fill(T.percent, { n: task.percent })),
      el("progress", { class: "meter", max: 100, value: task.percent, "aria-label": fill(T.percent, { n: task.percent }) }),
      el("ul", { class: "offers" }, ...task.work.filter((w) => SHOWN.includes(w.state)).map((w) =>
        el("li", { "data-state": w.state }, w.organization.name, " · ", T.state[w.state]))));
    if (task.state === "done") {
      const note = el("input", { id: `confirm-note-${task.id}`, maxlength: 500 });
      const result = el("p", { role: "status" });
      card.append(el("label", { for: `confirm-note-${task.id}` }, T.confirm_note), note,
        el("button", { type: "button", class: "big go", onclick: async () => {
          try { await send(`/api/recovery-tasks/${task.id}/confirm`, { note: note.value }); loadTasks(); }
          catch (error) { result.textContent = fill(T.refused, { reason: error.message }); }
        } }, T.confirm), result);
    }
    return card;
  }

  const socket = io({ transports: ["websocket"] });
  socket.on("connect", () => { $("connection").textContent = T.online; load(); });
  socket.on("disconnect", () => { $("connection").textContent = T.offline; });
  socket.on("events", changed);
  load();
})();
