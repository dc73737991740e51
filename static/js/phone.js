/* The leader's phone page: offers arrive live; accept with a head count or decline with a reason in two taps;
   then set off, arrive, done. What is done offline waits in a queue (kept in localStorage) and is sent when the
   network returns; a repeated action changes nothing on the server, so sending twice is safe.
   The page shows what the API says; socket messages only tell it when to ask again. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const QUEUE = "dispatch.phone.queue";
  const CURSOR = "dispatch.phone.cursor";
  const ACTIVE = ["accepted", "en_route", "on_site"];
  const NEXT = { accepted: "depart", en_route: "arrive", on_site: "complete" };
  const $ = (id) => document.getElementById(id);
  const { el, fill } = window.dom;
  const opened = {}; // assignment id → "accept" | "decline": the second step shown on a card
  const chosen = {}; // assignment id → head count picked on the stepper
  const acked = new Set();
  let shown = null; // offer ids on screen, to ring for new ones (null until the first load)
  let assignments = [];


  // ---- the queue of actions: sent in order, kept while the network is away --------------------------------
  function queue() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
  function saveQueue(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); showWaiting(); }

  function act(assignmentId, action, body) {
    saveQueue([...queue(), { assignmentId, action, body, at: Date.now() }]);
    delete opened[assignmentId];
    render();
    flush();
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = false;
    try {
      for (let items = queue(); items.length; items = queue()) {
        const item = items[0];
        let response;
        try {
          response = await fetch(`/api/assignments/${item.assignmentId}/${item.action}`, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify(item.body),
          });
        } catch (offline) {
          break; // no network: keep it, try again when it returns
        }
        if (response.status >= 500) break;
        if (!response.ok) { // refused (already answered, expired, too many): say why, and do not send it again
          const error = (await response.json().catch(() => ({}))).error || {};
          const reason = (error.errors && error.errors[0] && error.errors[0].message) || error.message || response.status;
          notice(fill(T.refused, { reason }));
        }
        saveQueue(queue().slice(1));
        sent = true;
      }
    } finally {
      flushing = false;
      showWaiting();
      // Cards that said "waiting" are drawn again even if the assignments look the same (a progress report).
      load(sent);
    }
  }

  function showWaiting() {
    const waiting = queue().length;
    $("waiting").hidden = waiting === 0;
    $("waiting").textContent = fill(T.waiting, { n: waiting });
  }

  function notice(text) {
    const box = $("waiting");
    box.hidden = false;
    box.textContent = text;
  }

  // ---- what the API says -------------------------------------------------------------------------------------
  async function load(redraw) {
    let response;
    try {
      response = await fetch("/api/assignments?per_page=100", { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (offline) {
      return;
    }
    if (response.status === 401) { window.location = "/login?next=/m"; return; }
    if (!response.ok) return;
    const items = (await response.json()).items;
    const same = JSON.stringify(items) === JSON.stringify(assignments);
    assignments = items;
    const offers = assignments.filter((a) => a.state === "offered" && new Date(a.deadline) > new Date());
    if (shown !== null && offers.some((a) => !shown.has(a.id))) ring();
    shown = new Set(offers.map((a) => a.id));
    if (!same || redraw === true) render(); // nothing new: leave the cards (and the focus) where they are
    acknowledge(offers);
  }

  function pending(assignmentId) { return queue().some((item) => item.assignmentId === assignmentId); }

  function render() {
    const offers = assignments.filter((a) => a.state === "offered" && new Date(a.deadline) > new Date());
    const work = assignments.filter((a) => ACTIVE.includes(a.state));
    $("offers").replaceChildren(...offers.map(offerCard));
    $("work").replaceChildren(...work.map(workCard));
    $("no-offers").hidden = offers.length > 0;
    $("no-work").hidden = work.length > 0;
    showWaiting();
  }

  function header(a) {
    const task = a.task;
    return [
      el("h3", {}, a.drill ? el("span", { class: "drill" }, T.drill) : "", task.skills.join("、"), " · ",
        fill(T.still_needed, { n: task.still_needed })),
      el("p", { class: "where" }, task.address || `${task.location.lat.toFixed(5)}, ${task.location.lon.toFixed(5)}`),
      task.description ? el("p", {}, task.description) : "",
      el("p", { class: "meta" }, task.incident_title, " · ", `${T.code} ${a.short_code}`),
    ];
  }

  function offerCard(a) {
    const card = el("li", { class: "card offer", "data-assignment": a.id });
    card.append(...header(a), el("p", { class: "deadline", "data-deadline": a.deadline }, countdown(a.deadline)));
    if (pending(a.id)) {
      card.append(el("p", { class: "waiting" }, fill(T.waiting, { n: 1 })));
    } else if (opened[a.id] === "accept") {
      const most = Math.max(1, a.task.still_needed);
      const n = Math.min(chosen[a.id] || most, most);
      chosen[a.id] = n;
      const step = (delta) => () => { chosen[a.id] = Math.min(most, Math.max(1, n + delta)); render(); };
      card.append(
        el("div", { class: "stepper" },
          el("button", { type: "button", "aria-label": T.fewer, onclick: step(-1), disabled: n <= 1 }, "−"),
          el("output", { "aria-live": "polite" }, `${n} ${T.people}`),
          el("button", { type: "button", "aria-label": T.more, onclick: step(1), disabled: n >= most }, "+")),
        el("button", { type: "button", class: "big go", onclick: () => act(a.id, "accept", { head_count: n }) }, fill(T.confirm_accept, { n })),
        el("button", { type: "button", class: "link", onclick: () => { delete opened[a.id]; render(); } }, T.back));
    } else if (opened[a.id] === "decline") {
      card.append(el("p", {}, T.reason_prompt),
        el("div", { class: "reasons" }, ...T.reasons.map((reason) =>
          el("button", { type: "button", onclick: () => act(a.id, "decline", { reason }) }, reason))),
        el("button", { type: "button", class: "link", onclick: () => { delete opened[a.id]; render(); } }, T.back));
    } else {
      card.append(el("div", { class: "answers" },
        el("button", { type: "button", class: "big go", onclick: () => { opened[a.id] = "accept"; render(); } }, T.accept),
        el("button", { type: "button", class: "big stop", onclick: () => { opened[a.id] = "decline"; render(); } }, T.decline)));
    }
    return card;
  }

  function workCard(a) {
    const card = el("li", { class: `card work ${a.state}`, "data-assignment": a.id });
    card.append(el("p", { class: "state" }, T.states[a.state], " · ", `${a.head_count} ${T.people}`), ...header(a));
    if (pending(a.id)) {
      card.append(el("p", { class: "waiting" }, fill(T.waiting, { n: 1 })));
      return card;
    }
    if (a.task.kind === "recovery") card.append(progressForm(a));
    const next = NEXT[a.state];
    if (next === "complete") {
      const note = el("input", { id: `note-${a.id}`, maxlength: 200 });
      const came = el("input", { id: `came-${a.id}`, type: "number", min: 0, max: 1000, inputmode: "numeric", value: a.head_count });
      card.append(el("label", { for: `note-${a.id}` }, T.note), note, el("label", { for: `came-${a.id}` }, T.came), came,
        el("button", { type: "button", class: "big go", onclick: () =>
          act(a.id, "complete", { note: note.value, people: came.value === "" ? null : Number(came.value) }) }, T.complete));
    } else {
      card.append(el("button", { type: "button", class: "big go", onclick: () => act(a.id, next, { note: "" }) }, T[next]));
    }
    card.append(el("button", { type: "button", class: "link", onclick: () => act(a.id, "abort", { note: "" }) }, T.abort));
    return card;
  }

  // Recovery work: how far it is, with people and hours, in a few taps. The reference makes a resend count once.
  const progress = {}; // assignment id → the per cent picked, and the last one reported
  function progressForm(a) {
    // What the leader has typed lives here, so a card drawn again (an update arrived) keeps it.
    const mine = progress[a.id] || (progress[a.id] = { picked: null, reported: null, people: String(a.head_count), hours: "", note: "" });
    const kept = (key) => (event) => { mine[key] = event.target.value; };
    const box = el("fieldset", { class: "progress" }, el("legend", {}, T.progress));
    if (mine.reported !== null) box.append(el("p", { class: "meta" }, fill(T.reported, { n: mine.reported })));
    box.append(el("div", { class: "percents", role: "group", "aria-label": T.percent }, ...[25, 50, 75, 100].map((n) =>
      el("button", { type: "button", "aria-pressed": mine.picked === n ? "true" : "false",
        onclick: () => { mine.picked = n; render(); } }, `${n}%`))));
    const people = el("input", { id: `people-${a.id}`, type: "number", min: 0, max: 1000, inputmode: "numeric", value: mine.people });
    const hours = el("input", { id: `hours-${a.id}`, type: "number", min: 0, max: 10000, step: "0.5", inputmode: "decimal", value: mine.hours });
    const note = el("input", { id: `pnote-${a.id}`, maxlength: 500, value: mine.note });
    people.addEventListener("input", kept("people"));
    hours.addEventListener("input", kept("hours"));
    note.addEventListener("input", kept("note"));
    box.append(
      el("label", { for: `people-${a.id}` }, T.people_worked), people,
      el("label", { for: `hours-${a.id}` }, T.hours_worked), hours,
      el("label", { for: `pnote-${a.id}` }, T.note), note,
      el("button", { type: "button", class: "big", disabled: mine.picked === null, onclick: () => {
        const body = { percent: mine.picked, note: note.value, people: Number(people.value || 0),
          hours: Number(hours.value || 0), client_ref: `${a.id}-${Date.now()}` };
        Object.assign(mine, { reported: mine.picked, hours: "", note: "" }); // hours and note count since the last report
        act(a.id, "progress", body);
      } }, T.report_progress));
    return box;
  }

  function countdown(deadline) {
    const left = Math.max(0, Math.round((new Date(deadline) - new Date()) / 1000));
    const time = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
    return fill(T.answer_by, { time });
  }

  setInterval(() => {
    for (const node of document.querySelectorAll("[data-deadline]")) node.textContent = countdown(node.dataset.deadline);
  }, 1000);

  // ---- a new offer: sound and vibration where the browser allows -----------------------------------------
  function ring() {
    // Browsers allow sound and vibration only after the user has touched the page once.
    if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
    if (navigator.vibrate) navigator.vibrate([300, 120, 300]);
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (silent) { /* no sound allowed before the first tap: the vibration and the list still tell */ }
  }

  // ---- the socket: nudges, resync after a reconnect, acknowledgements ------------------------------------
  const socket = io({
    transports: ["websocket"],
    auth: (send) => send({ after: Number(localStorage.getItem(CURSOR) || 0) }),
  });
  let soon = null;
  const risks = window.riskForm(); // reporting a risk, and what became of the ones reported
  function changed() { clearTimeout(soon); soon = setTimeout(load, 100); }

  socket.on("connect", () => { connection(true); flush(); });
  socket.on("disconnect", () => connection(false));
  socket.on("connect_error", () => connection(false));
  socket.on("events", (nudges) => {
    if (nudges.some((n) => n.kind.startsWith("risk."))) risks.load().catch(() => {}); // only risk news changes that list
    if (nudges.length) localStorage.setItem(CURSOR, String(Math.max(Number(localStorage.getItem(CURSOR) || 0), ...nudges.map((n) => n.id))));
    changed();
  });
  socket.on("resync", (page) => {
    if (!page.more) localStorage.setItem(CURSOR, String(page.last_id));
    if (page.items.length) changed();
  });

  function acknowledge(offers) {
    for (const offer of offers) {
      if (acked.has(offer.id) || !socket.connected) continue;
      acked.add(offer.id);
      socket.emit("seen", { assignment_id: offer.id }, () => {});
    }
  }

  function connection(online) {
    const box = $("connection");
    box.textContent = online && navigator.onLine ? T.online : T.offline;
    box.classList.toggle("off", !(online && navigator.onLine));
  }

  window.addEventListener("online", () => { connection(socket.connected); flush(); });
  window.addEventListener("offline", () => connection(false));
  setInterval(flush, 15000);
  // A nudge can be lost while the socket stays up (Redis away between two web processes): ask again now and then.
  setInterval(() => load(), 30000);

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/m/sw.js", { scope: "/m" }).catch(() => {});
  load();
  flush();
  risks.load().catch(() => {});
})();
