/* The recovery board of one incident: its tasks coloured by state on the map and listed with their progress; a task
   made by hand (a click on the map picks its place) or from an emergency need left unfinished; close the incident
   once recovery is done. Socket nudges make it ask the API again. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const { el, plain, fill, api } = window.dom;
  const incidentId = Number($("recovery").dataset.incident);
  const COLOURS = { waiting: "#a33b00", in_progress: "#b58900", done: "#0b5cad", confirmed: "#1d6b2f" };
  const RANK = { waiting: 0, in_progress: 1, done: 2, confirmed: 3 }; // a cell shows its least advanced task
  const { map, onMap, fromMap, cells, loadCells } = window.mapView($("map"));
  const markers = L.layerGroup().addTo(map);
  let picked = null;
  let shown = "";

  function say(text, isError) {
    const box = $("message");
    box.hidden = !text;
    box.textContent = text || "";
    box.classList.toggle("error", Boolean(isError));
  }

  async function load() {
    const board = await api("GET", `/api/incidents/${incidentId}/recovery`);
    const now = JSON.stringify(board);
    if (now === shown) return;
    shown = now;
    $("tasks").replaceChildren(...board.tasks.map(taskRow));
    $("no-tasks").hidden = board.tasks.length > 0;
    $("leftovers").replaceChildren(...board.leftovers.map(leftoverRow));
    $("no-leftovers").hidden = board.leftovers.length > 0;
    drawMap(board.tasks);
  }

  function taskRow(task) {
    const working = task.work.filter((w) => !["declined", "expired", "withdrawn"].includes(w.state));
    const last = task.reports[task.reports.length - 1];
    return el("tr", { "data-task": task.id, "data-state": task.state },
      el("td", {}, task.what, task.address ? el("div", { class: "meta" }, task.address) : ""),
      el("td", {}, task.cell ? task.cell.name : "—"),
      el("td", {}, el("span", { class: `recovery-state ${task.state}` }, T.recovery[task.state])),
      el("td", {}, el("progress", { class: "meter", max: 100, value: task.percent, "aria-label": fill(T.percent, { n: task.percent }) }),
        ` ${task.percent}%`, last && last.note ? el("div", { class: "meta" }, last.note) : ""),
      el("td", {}, el("ul", { class: "offers" }, ...working.map((w) =>
        el("li", {}, w.organization.name, " · ", T.state[w.state], w.head_count ? ` ${w.head_count}` : "")))));
  }

  function leftoverRow(need) {
    return el("tr", { "data-need": need.need_id },
      el("td", {}, need.description || `#${need.need_id}`), el("td", {}, need.cell ? need.cell.name : "—"),
      el("td", {}, String(need.still_needed)),
      el("td", {}, el("button", { type: "button", onclick: () => carryOn(need.need_id) }, T.carry_on)));
  }

  async function carryOn(needId) {
    try {
      await api("POST", `/api/needs/${needId}/recovery-task`, {});
      say("");
      load();
    } catch (error) {
      say(error.message, true);
    }
  }

  function drawMap(tasks) {
    const worst = {}; // cell id → the least advanced state of its tasks
    for (const task of tasks) {
      if (task.cell && (!(task.cell.id in worst) || RANK[task.state] < RANK[worst[task.cell.id]])) worst[task.cell.id] = task.state;
    }
    cells.setStyle((feature) => feature.id in worst
      ? { color: COLOURS[worst[feature.id]], weight: 2, fillOpacity: 0.3 } : { color: "#4a6a8a", weight: 1, fillOpacity: 0.05 });
    markers.clearLayers();
    for (const task of tasks) {
      L.circleMarker(onMap(task.location.lon, task.location.lat), { radius: 8, color: COLOURS[task.state], weight: 3, fillOpacity: 0.7 })
        .bindTooltip(plain(task.what, ` · ${T.recovery[task.state]} · ${task.percent}%`)).addTo(markers);
    }
  }

  map.on("click", (event) => {
    const [lon, lat] = fromMap(event.latlng);
    picked = { lon, lat };
    $("task-picked").textContent = `${T.picked}: ${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    L.marker(event.latlng, { title: T.picked, keyboard: false }).addTo(markers);
  });

  async function loadSkills() {
    const skills = (await api("GET", "/api/skills")).items;
    const english = document.documentElement.lang === "en";
    $("task-skills").append(...skills.map((skill) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name: "skills", value: skill.code }), english ? skill.label_en : skill.label_zh)));
  }

  $("task-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {
      what: form.what.value, head_count: Number(form.head_count.value),
      skills: [...form.querySelectorAll("input[name=skills]:checked")].map((box) => box.value),
    };
    if (form.address.value.trim()) body.address = form.address.value.trim();
    else if (picked) body.location = picked;
    try {
      const task = await api("POST", `/api/incidents/${incidentId}/recovery-tasks`, body);
      say(fill(T.created, { n: task.work.length }));
      form.reset();
      picked = null;
      load();
    } catch (error) {
      say(error.message, true);
    }
  });

  const closeButton = $("close-incident"); // there while the incident is in recovery
  if (closeButton) {
    closeButton.addEventListener("click", async () => {
      if (!confirm(T.confirm_close)) return;
      try {
        await api("POST", `/api/incidents/${incidentId}/status`, { status: "closed" });
        window.location = `/incidents/${incidentId}/report`;
      } catch (error) {
        say(error.message, true);
      }
    });
  }

  const socket = io({ transports: ["websocket"] });
  let soon = null;
  socket.on("connect", () => { $("connection").textContent = T.online; load(); });
  socket.on("disconnect", () => { $("connection").textContent = T.offline; });
  socket.on("events", () => { clearTimeout(soon); soon = setTimeout(load, 100); });
  loadSkills().then(loadCells).then(load).catch((error) => say(error.message, true));
})();
