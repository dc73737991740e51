/* The duty officer's board: the active incidents, the needs of the one chosen (where, what, how urgent), their
   offers with countdowns and the unfilled ones standing out, with a beep and a flashing title; filter the needs by
   status; post a need, cancel, close, widen, escalate; close an incident. Socket nudges make it ask the API again,
   so it updates without reloading. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const { el, plain, fill, api, all } = window.dom;
  const skillNames = {}; // skill code → its name in the page's language
  let incidents = [];
  let current = null;
  let shownNeeds = "";
  const openCandidates = {}; // need id → its candidates, while shown
  let timelineNeed = null; // the need whose timeline is shown; null: the whole incident's
  let shownIncidents = "";
  const alarm = window.unfilledAlert(T.unfilled_alarm, () => { $("sound-hint").hidden = true; });
  const plans = window.planPanel($("plans"), T, say);
  const warnings = window.warningPanel($("warnings"), T, say, (code) => skillNames[code] || code);
  // A county admin comes from the overview with one subdistrict's board in mind: its incidents, and new ones led by it.
  const subdistrictId = Number(new URLSearchParams(window.location.search).get("subdistrict_id")) || null;
  const ofSubdistrict = subdistrictId ? `&subdistrict_id=${subdistrictId}` : "";


  function say(text, isError) {
    const box = $("message");
    box.hidden = !text;
    box.textContent = text || "";
    box.classList.toggle("error", Boolean(isError));
  }

  async function loadIncidents() {
    incidents = await all(`/api/incidents?status=active${ofSubdistrict}`);
    const recovering = await all(`/api/incidents?status=recovery${ofSubdistrict}`);
    if (!incidents.some((i) => i.id === current)) current = incidents.length ? incidents[0].id : null;
    const buttons = JSON.stringify([current, incidents, recovering]);
    if (buttons !== shownIncidents) {
      shownIncidents = buttons;
      $("incidents").replaceChildren(...incidents.map((incident) => el("button", {
      type: "button", "aria-pressed": String(incident.id === current),
      onclick: () => { current = incident.id; loadIncidents(); },
    }, incident.drill ? `【${T.drill}】` : "", incident.title, ` (${incident.level})`)),
      ...(current === null ? [] : [
        el("a", { href: `/incidents/${current}/report`, class: "report-link" }, T.report),
        el("button", { type: "button", onclick: () => toRecovery(current) }, T.to_recovery),
        el("button", { type: "button", "data-close": current, onclick: () => closeIncident(current, true) }, T.close_incident)]),
      ...recovering.flatMap((incident) => [
        el("a", { href: `/incidents/${incident.id}/recovery`, class: "report-link" }, fill(T.recovery_of, { title: incident.title })),
        el("button", { type: "button", "data-close": incident.id, onclick: () => closeIncident(incident.id, false) },
          fill(T.close_named, { title: incident.title }))]));
    }
    await loadNeeds();
    plans.show(current).catch((error) => say(error.message, true));
    warnings.show().catch((error) => say(error.message, true));
  }

  async function toRecovery(incidentId) {
    if (!confirm(T.confirm_recovery)) return;
    try {
      await api("POST", `/api/incidents/${incidentId}/status`, { status: "recovery" });
      window.location = `/incidents/${incidentId}/recovery`;
    } catch (error) {
      say(error.message, true);
    }
  }

  /* Closing ends the incident: open offers are withdrawn and its needs closed. An active incident passes through
     recovery on the way, as every incident does; the after-action report opens once it is closed. */
  async function closeIncident(incidentId, active) {
    if (!confirm(T.confirm_close)) return;
    try {
      if (active) await api("POST", `/api/incidents/${incidentId}/status`, { status: "recovery" });
      await api("POST", `/api/incidents/${incidentId}/status`, { status: "closed" });
      say(T.closed_incident);
    } catch (error) {
      say(error.message, true);
    }
    loadIncidents();
  }

  async function loadNeeds() {
    if (current === null) {
      $("needs").replaceChildren();
      $("no-needs").hidden = false;
      $("unfilled-banner").hidden = true;
      alarm([]);
      return;
    }
    const needs = (await api("GET", `/api/incidents/${current}/needs`)).items;
    const unfilled = needs.filter((need) => need.status === "unfilled").map((need) => need.id);
    alarm(unfilled);
    $("unfilled-banner").hidden = !unfilled.length;
    $("unfilled-banner").textContent = fill(T.unfilled_banner, { n: unfilled.length });
    loadTimeline(needs); // events the rows do not show (an SMS sent, an offer seen) change the timeline too
    drawMap(needs);
    const status = $("need-filter").value;
    const seen = JSON.stringify([current, incidents, needs, status]);
    if (seen === shownNeeds) return; // nothing new: leave the rows (and the focus) where they are
    shownNeeds = seen;
    const shown = needs.filter((need) => !status || need.status === status);
    $("needs").replaceChildren(...shown.flatMap((need) => [needRow(need), ...candidateRows(need)]));
    $("no-needs").hidden = shown.length > 0;
    $("no-needs").textContent = needs.length ? T.none_with_status : T.no_needs;
  }

  $("need-filter").addEventListener("change", () => loadNeeds());

  function place(need) {
    return need.place_name || need.address || `${need.location.lat.toFixed(5)}, ${need.location.lon.toFixed(5)}`;
  }

  function needRow(need) {
    const incident = incidents.find((i) => i.id === need.incident_id) || {};
    const row = el("tr", { class: need.status, "data-need": need.id });
    const actions = el("div", { class: "row-actions" });
    if (["open", "unfilled", "filled"].includes(need.status)) {
      actions.append(
        el("button", { type: "button", onclick: () => confirm(T.confirm_cancel) && act(`/api/needs/${need.id}/cancel`) }, T.cancel),
        el("button", { type: "button", onclick: () => act(`/api/needs/${need.id}/close`) }, T.close));
    }
    if (["open", "unfilled"].includes(need.status)) {
      actions.append(el("button", { type: "button", "aria-expanded": String(Boolean(openCandidates[need.id])),
        onclick: () => toggleCandidates(need) }, openCandidates[need.id] ? T.hide : T.candidates));
    }
    actions.append(el("button", { type: "button", "aria-pressed": String(timelineNeed === need.id),
      onclick: () => { timelineNeed = timelineNeed === need.id ? null : need.id; shownNeeds = ""; loadNeeds(); } }, T.timeline));
    if (need.status === "unfilled" && need.radius_km !== null) {
      actions.append(el("button", { type: "button", onclick: () => widen(need) }, T.widen));
    }
    if (need.status === "unfilled" && !incident.escalated) {
      actions.append(el("button", { type: "button", onclick: () => act(`/api/incidents/${need.incident_id}/escalate`) }, T.escalate));
    }
    row.append(
      el("td", {}, el("strong", {}, need.skills.map((code) => skillNames[code] || code).join("、")), " ",
        el("span", { class: `need-priority ${need.priority}` }, T.priority[need.priority] || need.priority), el("br"),
        el("span", { class: "where" }, place(need)),
        need.description ? el("p", { class: "description" }, need.description) : ""),
      el("td", {}, need.status === "unfilled" ? el("span", { class: "alert" }, T.status.unfilled, " · ", T.unfilled) : T.status[need.status]),
      el("td", { class: "count" }, `${need.accepted} / ${need.head_count}`),
      el("td", {}, el("ul", { class: "offers" }, ...need.assignments.map((a) => el("li", { "data-assignment": a.id, "data-state": a.state },
        a.organization.name, " · ", T.state[a.state] || a.state, a.head_count ? ` ${a.head_count}` : "",
        a.state === "offered" ? el("span", { "data-deadline": a.deadline }, " · ", left(a.deadline)) : "")))),
      el("td", {}, actions));
    return row;
  }

  async function toggleCandidates(need) {
    if (openCandidates[need.id]) delete openCandidates[need.id];
    else openCandidates[need.id] = (await api("GET", `/api/needs/${need.id}/candidates`)).items;
    shownNeeds = "";
    loadNeeds();
  }

  function candidateRows(need) {
    const live = ["offered", "accepted", "en_route", "on_site"];
    return (openCandidates[need.id] || []).map((c) => el("tr", { class: "candidate", "data-candidate": c.organization.id },
      el("td", { colspan: 2 }, c.organization.name),
      el("td", {}, fill(T.free, { n: c.free })),
      el("td", {}, c.reason),
      el("td", {}, live.includes(c.offered) ? T.state[c.offered] : el("button", { type: "button",
        onclick: () => { delete openCandidates[need.id]; act(`/api/needs/${need.id}/offers`, { organization_id: c.organization.id }); },
      }, T.offer_to))));
  }

  async function loadTimeline(needs) {
    if (current === null) { $("timeline").replaceChildren(); return; }
    const names = Object.fromEntries(needs.flatMap((n) => n.assignments.map((a) => [a.id, a.organization.name])));
    const events = (await api("GET", `/api/incidents/${current}/timeline?limit=500`)).items;
    const clock = (at) => new Date(at).toLocaleTimeString(document.documentElement.lang === "en" ? "en-GB" : "zh-CN", { hour12: false });
    const shown = timelineNeed === null ? events : events.filter((e) => e.need_id === timelineNeed);
    $("timeline-title").textContent = timelineNeed === null ? T.timeline_all : fill(T.timeline_need, { id: timelineNeed });
    $("timeline").replaceChildren(...shown.slice(-100).reverse().map((e) => el("li", { "data-kind": e.kind },
      el("time", { datetime: e.at }, clock(e.at)), " ", e.data.text || T.kinds[e.kind] || T.other_event, // a sentence of its own when the kind is not enough
      e.assignment_id && names[e.assignment_id] ? ` · ${names[e.assignment_id]}` : "",
      e.data.head_count ? ` ${e.data.head_count}` : "", e.data.reason ? ` · ${e.data.reason}` : "")));
  }

  function left(deadline) {
    const seconds = Math.max(0, Math.round((new Date(deadline) - new Date()) / 1000));
    return fill(T.left, { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` });
  }

  setInterval(() => {
    for (const node of document.querySelectorAll("[data-deadline]")) node.textContent = ` · ${left(node.dataset.deadline)}`;
  }, 1000);

  async function act(url, body) {
    try {
      await api("POST", url, body);
      say("");
    } catch (error) {
      say(error.message, true);
    }
    loadIncidents();
  }

  function widen(need) {
    const answer = prompt(T.widen_prompt, String((need.radius_km || 5) * 2));
    if (answer === null) return;
    act(`/api/needs/${need.id}/widen`, { radius_km: answer.trim() === "" ? null : Number(answer) });
  }

  // ---- the map: grid cells (the incident's affected ones stand out) and needs; a click picks a need's place ----
  const { map, onMap, fromMap, cells: cellLayer, loadCells } = window.mapView($("map"));
  const needLayer = L.layerGroup().addTo(map);
  let picked = null;
  const NEED_COLOURS = { open: "#0b5cad", unfilled: "#a33b00", filled: "#1d6b2f" };
  const WORKING = ["accepted", "en_route", "on_site"]; // organizations drawn on the map, with a line to their need

  function drawMap(needs) {
    const affected = new Set(((incidents.find((i) => i.id === current) || {}).affected_cells || []).map((c) => c.id));
    cellLayer.setStyle((feature) => affected.has(feature.id)
      ? { color: "#a33b00", weight: 2, fillOpacity: 0.18 } : { color: "#4a6a8a", weight: 1, fillOpacity: 0.05 });
    needLayer.clearLayers();
    for (const need of needs) {
      if (!(need.status in NEED_COLOURS)) continue;
      for (const a of need.assignments.filter((a) => WORKING.includes(a.state) && a.organization_base)) {
        L.circleMarker(onMap(a.organization_base.lon, a.organization_base.lat), { radius: 6, color: "#1d6b2f", weight: 2, fillOpacity: 0.9 })
          .bindTooltip(plain(a.organization.name, ` · ${T.state[a.state]} ${a.head_count}`)).addTo(needLayer);
        L.polyline([onMap(a.organization_base.lon, a.organization_base.lat), onMap(need.location.lon, need.location.lat)],
          { color: "#1d6b2f", weight: 2, dashArray: "4 4" }).addTo(needLayer);
      }
      L.circleMarker(onMap(need.location.lon, need.location.lat), { radius: 9, color: NEED_COLOURS[need.status], weight: 3, fillOpacity: 0.6 })
        .bindTooltip(plain(need.skills.map((code) => skillNames[code] || code).join("、"), ` ${need.accepted}/${need.head_count}`))
        .addTo(needLayer);
    }
  }

  // Drawing an incident's area (Leaflet.draw): the polygon goes with the incident, whose grid cells it touches.
  const areaLayer = L.featureGroup().addTo(map);
  let area = null;
  let drawing = null;
  $("draw-area").addEventListener("click", () => {
    drawing = new L.Draw.Polygon(map, { shapeOptions: { color: "#a33b00" } });
    drawing.enable();
    $("area-state").textContent = T.area_hint;
  });
  $("clear-area").addEventListener("click", () => {
    area = null;
    areaLayer.clearLayers();
    $("clear-area").hidden = true;
    $("area-state").textContent = "";
  });
  map.on(L.Draw.Event.CREATED, (event) => {
    areaLayer.clearLayers().addLayer(event.layer);
    const ring = event.layer.getLatLngs()[0].map(fromMap);
    area = { type: "Polygon", coordinates: [[...ring, ring[0]]] };
    drawing = null;
    $("clear-area").hidden = false;
    $("area-state").textContent = T.area_drawn;
  });

  map.on("click", (event) => {
    if (drawing) return; // the click is a corner of the area being drawn
    const [lon, lat] = fromMap(event.latlng);
    $("need-lon").value = lon.toFixed(6);
    $("need-lat").value = lat.toFixed(6);
    if (picked) picked.remove();
    picked = L.marker(event.latlng, { title: T.picked, keyboard: false }).addTo(map);
    clearPreview();
  });

  // The candidates shown were for the skills and place asked about: a change to either makes them wrong.
  function clearPreview() {
    $("preview").replaceChildren();
  }
  $("need-skills").addEventListener("change", clearPreview);
  for (const id of ["need-address", "need-lon", "need-lat"]) $(id).addEventListener("input", clearPreview);

  async function loadSkills() {
    const skills = (await api("GET", "/api/skills")).items;
    for (const skill of skills) skillNames[skill.code] = document.documentElement.lang === "en" ? skill.label_en : skill.label_zh;
    $("need-skills").append(...skills.map((skill) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name: "skills", value: skill.code }), skillNames[skill.code])));
  }

  $("incident-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const made = await api("POST", "/api/incidents", {
        title: form.title.value, category: form.category.value, level: form.level.value, drill: form.drill.checked, area,
        ...(form.subdistrict_id ? { subdistrict_id: Number(form.subdistrict_id.value) } : {}),
      });
      $("clear-area").click();
      current = made.id;
      form.reset();
      $("new-incident").open = false;
      say("");
    } catch (error) {
      say(error.message, true);
    }
    loadIncidents();
  });

  function needBody(form) {
    const body = {
      skills: [...form.querySelectorAll('input[name="skills"]:checked')].map((box) => box.value),
      head_count: Number(form.head_count.value), priority: form.priority.value, policy: form.policy.value,
      broadcast_k: Number(form.broadcast_k.value), offer_timeout_s: Math.round(Number(form.timeout.value) * 60),
      description: form.description.value,
    };
    if (form.lon.value && form.lat.value) body.location = { lon: Number(form.lon.value), lat: Number(form.lat.value) };
    else if (form.address.value) body.address = form.address.value;
    if (form.radius_km.value) body.radius_km = Number(form.radius_km.value);
    return body;
  }

  $("preview-candidates").addEventListener("click", async () => {
    if (current === null) { say(T.no_incident, true); return; }
    try {
      const ranked = (await api("POST", `/api/incidents/${current}/candidates`, needBody($("need-form")))).items;
      $("preview").replaceChildren(...ranked.slice(0, 10).map((c) => el("li", {},
        el("strong", {}, c.organization.name), el("br"), el("span", { class: "hint" }, c.reason)))); // the reason says who is free
      say("");
    } catch (error) {
      say(error.message, true);
    }
  });

  $("need-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (current === null) { say(T.no_incident, true); return; }
    const form = event.target;
    const body = needBody(form);
    const key = form.dataset.key || (form.dataset.key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now() + Math.random()));
    try {
      const need = await api("POST", `/api/incidents/${current}/needs`, body, { "Idempotency-Key": key });
      delete form.dataset.key; // posted: the next submit is a new need; a double click reused the key
      say(fill(T.posted, { n: need.assignments.length }));
      form.reset(); // ready for the next need
      clearPreview();
      if (picked) picked.remove();
      picked = null;
    } catch (error) {
      say(error.message, true);
    }
    loadNeeds();
  });

  const socket = io({ transports: ["websocket"] });
  let soon = null;
  socket.on("connect", () => { $("connection").textContent = T.online; loadIncidents(); });
  socket.on("disconnect", () => { $("connection").textContent = T.offline; });
  socket.on("events", () => { clearTimeout(soon); soon = setTimeout(loadIncidents, 100); });

  loadSkills().then(loadCells).then(loadIncidents).catch((error) => say(error.message, true));
})();
