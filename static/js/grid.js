/* The grid worker's page: the needs in my cells (the API answers only those) and who is working on them. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const { el } = window.dom;
  const $ = (id) => document.getElementById(id);
  const SHOWN = ["offered", "accepted", "en_route", "on_site", "completed"];
  let shown = "";
  const skillNames = {}; // skill code → its name in the page's language

  async function json(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  async function load() {
    if (!Object.keys(skillNames).length) {
      for (const skill of (await json("/api/skills")).items) {
        skillNames[skill.code] = document.documentElement.lang === "en" ? skill.label_en : skill.label_zh;
      }
    }
    const incidents = (await json("/api/incidents?status=active&per_page=50")).items;
    const needs = (await Promise.all(incidents.map(async (incident) =>
      (await json(`/api/incidents/${incident.id}/needs`)).items.map((need) => ({ need, incident }))))).flat();
    const now = JSON.stringify(needs);
    if (now === shown) return;
    shown = now;
    $("needs").replaceChildren(...needs.map(({ need, incident }) => el("li", { class: `card ${need.status}`, "data-need": need.id },
      el("h2", {}, need.skills.map((code) => skillNames[code] || code).join("、")),
      el("p", { class: "meta" }, incident.drill ? el("span", { class: "drill" }, T.drill) : "", incident.title),
      el("p", { class: "where" }, need.address || `${need.location.lat.toFixed(5)}, ${need.location.lon.toFixed(5)}`),
      el("p", {}, T.status[need.status] || need.status, ` · ${need.accepted} / ${need.head_count} ${T.people}`),
      el("ul", { class: "offers" }, ...need.assignments.filter((a) => SHOWN.includes(a.state)).map((a) =>
        el("li", { "data-state": a.state }, a.organization.name, " · ", T.state[a.state], a.head_count ? ` ${a.head_count}` : ""))))));
    $("no-needs").hidden = needs.length > 0;
  }

  const socket = io({ transports: ["websocket"] });
  let soon = null;
  socket.on("connect", () => { $("connection").textContent = T.online; load(); });
  socket.on("disconnect", () => { $("connection").textContent = T.offline; });
  socket.on("events", () => { clearTimeout(soon); soon = setTimeout(load, 100); });
  load();
})();
