/* The officers' inbox of risk reports: each one becomes an incident, a need in an incident under way, or is closed
   with a note the reporter sees. The API decides and refuses a report someone else has just handled. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const { el, fill, api, all } = window.dom;
  const english = document.documentElement.lang === "en";
  // The incident a risk most likely is (the officer can change it later on the board).
  const INCIDENT_CATEGORY = { flooding: "natural_disaster", landslide: "natural_disaster", fire: "accident", structure: "accident",
    traffic: "accident", public_health: "public_health", other: "accident" };
  let incidents = [];
  let skills = [];
  let shown = "";
  const opened = {}; // risk id → "help" | "dismiss": the form shown on its card

  function say(text, isError) {
    const box = $("message");
    box.hidden = !text;
    box.textContent = text || "";
    box.classList.toggle("error", Boolean(isError));
  }

  async function load() {
    const risks = await all("/api/risks?status=open");
    incidents = await all("/api/incidents?status=active");
    const now = JSON.stringify([risks, incidents, opened]);
    if (now === shown) return;
    shown = now;
    $("risks").replaceChildren(...risks.map(card));
    $("no-risks").hidden = risks.length > 0;
  }

  async function handle(url, body) {
    try {
      await api("POST", url, body);
      say("");
    } catch (error) {
      say(error.message, true);
    }
    load();
  }

  function card(risk) {
    const when = new Date(risk.created_at).toLocaleString(english ? "en-GB" : "zh-CN", { hour12: false });
    const box = el("li", { class: "card", "data-risk": risk.id },
      el("h2", {}, T.category[risk.category] || risk.category, risk.address ? ` · ${risk.address}` : ""),
      el("p", { class: "meta" }, fill(T.reported, { when, cell: risk.cell.name })),
      risk.note ? el("p", {}, risk.note) : "",
      el("div", { class: "row-actions" },
        el("button", { type: "button", onclick: () => handle(`/api/risks/${risk.id}/incident`, {
          title: `${T.category[risk.category] || risk.category}:${risk.address || risk.cell.name}`,
          category: INCIDENT_CATEGORY[risk.category], level: "IV" }) }, T.open_incident),
        el("button", { type: "button", onclick: () => { opened[risk.id] = "help"; load(); } }, T.send_help),
        el("button", { type: "button", onclick: () => { opened[risk.id] = "dismiss"; load(); } }, T.dismiss)));
    if (opened[risk.id] === "help") box.append(helpForm(risk));
    if (opened[risk.id] === "dismiss") box.append(dismissForm(risk));
    return box;
  }

  function helpForm(risk) {
    if (!incidents.length) return el("p", { class: "hint" }, T.no_incident);
    const id = (name) => `${name}-${risk.id}`;
    const incident = el("select", { id: id("incident") }, ...incidents.map((i) => el("option", { value: i.id }, i.title)));
    const skill = el("select", { id: id("skill") }, ...skills.map((s) => el("option", { value: s.code }, english ? s.label_en : s.label_zh)));
    const people = el("input", { id: id("people"), type: "number", min: 1, max: 1000, value: 2, inputmode: "numeric" });
    return el("div", { class: "risk" },
      el("label", { for: id("incident") }, T.incident), incident, el("label", { for: id("skill") }, T.skill), skill,
      el("label", { for: id("people") }, T.people), people,
      el("button", { type: "button", class: "primary", onclick: () => { delete opened[risk.id]; handle(`/api/risks/${risk.id}/need`, {
        incident_id: Number(incident.value), skills: [skill.value], head_count: Number(people.value) }); } }, T.post));
  }

  function dismissForm(risk) {
    const note = el("input", { id: `note-${risk.id}`, maxlength: 2000 });
    return el("div", { class: "risk" }, el("label", { for: `note-${risk.id}` }, T.note), note,
      el("button", { type: "button", onclick: () => { delete opened[risk.id]; handle(`/api/risks/${risk.id}/dismiss`, { note: note.value }); } }, T.dismiss));
  }

  const socket = io({ transports: ["websocket"] });
  let soon = null;
  socket.on("connect", () => { $("connection").textContent = T.online; load(); });
  socket.on("disconnect", () => { $("connection").textContent = T.offline; });
  socket.on("events", () => { clearTimeout(soon); soon = setTimeout(load, 100); });
  api("GET", "/api/skills").then((body) => { skills = body.items; }).then(load).catch((error) => say(error.message, true));
})();
