/* The leader's phone page: offers arrive live, each saying where (place, distance, 导航 to a map app); accept with a
   head count in two taps, or decline with a reason; then set off, arrive, done; what is over stays in the history.
   What is done offline waits in a queue (kept in localStorage) and is sent when the network returns; a repeated
   action changes nothing on the server, so sending twice is safe.
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
  const opened = {}; // assignment id → "accept" | "decline" | "finish": the second step shown on a card
  const declining = {}; // assignment id → the reason picked and the words added, kept while the card is drawn again
  const routes = new Set(); // assignment ids whose 导航 choices are open
  const chosen = {}; // assignment id → head count picked on the stepper
  const acked = new Set();
  let shown = null; // offer ids on screen, to ring for new ones (null until the first load)
  // The offer an SMS's short link (/m/o/<code> → /m#offer-<id>) points to: marked, and scrolled to once it is drawn.
  const linked = Number((window.location.hash.match(/^#offer-(\d+)$/) || [])[1]) || null;
  let scrolled = false;
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
      response = await fetch("/api/assignments?past=false&per_page=100", { credentials: "same-origin", headers: { Accept: "application/json" } });
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
    if (!same || archive.items === null) loadHistory(1);
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
    showLinked();
  }

  function showLinked() {
    const card = linked && document.getElementById(`offer-${linked}`);
    if (!card || scrolled) return;
    scrolled = true;
    card.scrollIntoView({ block: "start" });
  }

  function cardAttributes(a, kind) {
    return { class: `card ${kind}${a.id === linked ? " linked" : ""}`, id: `offer-${a.id}`, "data-assignment": a.id };
  }

  function place(task) {
    return task.place_name || task.address || `${task.location.lat.toFixed(5)}, ${task.location.lon.toFixed(5)}`;
  }

  function distance(metres) {
    if (metres === null || metres === undefined) return "";
    return metres < 1000 ? fill(T.metres, { n: Math.round(metres) }) : fill(T.kilometres, { n: (metres / 1000).toFixed(1) });
  }

  function header(a) {
    const task = a.task;
    return [
      el("h3", {}, a.drill ? el("span", { class: "drill" }, T.drill) : "", task.skills.join("、"), " · ",
        fill(T.still_needed, { n: task.still_needed })),
      el("p", { class: "priority" }, el("span", { class: `need-priority ${task.priority}` }, fill(T.priority, { p: T.priorities[task.priority] }))),
      el("p", { class: "where" }, place(task)),
      distance(a.distance_m) ? el("p", { class: "distance" }, distance(a.distance_m)) : "",
      task.description ? el("p", { class: "description" }, task.description) : "",
      navigation(a),
      el("p", { class: "meta" }, task.incident_title, " · ", `${T.code} ${a.short_code}`),
    ];
  }

  // 导航: the map apps people have, each given the place in its own coordinates (the server converts them). A phone
  // without the app stays on this page; then its web map opens instead.
  function navigation(a) {
    const open = routes.has(a.id);
    const box = el("div", { class: "navigate" },
      el("button", { type: "button", class: "nav-toggle", "aria-expanded": open ? "true" : "false",
        onclick: () => { if (routes.has(a.id)) routes.delete(a.id); else routes.add(a.id); render(); } }, T.navigate));
    if (!open) return box;
    const [web] = a.task.navigation;
    box.append(el("ul", { class: "nav-apps" },
      ...a.task.navigation.map((link) => el("li", {},
        el("a", { href: link.app_url, class: "nav-app", "data-app": link.app, "data-web": link.web_url, onclick: opening(link.web_url) },
          T.apps[link.app]))),
      web ? el("li", {}, el("a", { href: web.web_url, class: "nav-web", rel: "noopener", target: "_blank" }, T.web_map)) : ""));
    return box;
  }

  function opening(webUrl) {
    return () => { // the app opens and hides this page; if nothing took the link, the page is still here
      const fallback = setTimeout(() => { if (document.visibilityState === "visible") window.location.href = webUrl; }, 1500);
      document.addEventListener("visibilitychange", () => clearTimeout(fallback), { once: true });
    };
  }

  function offerCard(a) {
    const card = el("li", cardAttributes(a, "offer"));
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
      card.append(...declineStep(a));
    } else {
      card.append(el("div", { class: "answers" },
        el("button", { type: "button", class: "big go", onclick: () => { opened[a.id] = "accept"; render(); } }, T.accept),
        el("button", { type: "button", class: "big stop", onclick: () => { opened[a.id] = "decline"; render(); } }, T.decline)));
    }
    return card;
  }

  // A decline says why: one of the usual reasons in a tap, words of one's own beside it (or instead, for "other").
  function declineStep(a) {
    const mine = declining[a.id] || (declining[a.id] = { picked: null, words: "" });
    const other = mine.picked === T.other;
    const ready = () => mine.picked !== null && (!other || mine.words.trim() !== "");
    const words = el("input", { id: `reason-${a.id}`, maxlength: 150, value: mine.words, autocomplete: "off" });
    const confirm = el("button", { type: "button", class: "big stop", disabled: !ready(), onclick: () => {
      const said = mine.words.trim();
      const reason = other ? said : said ? fill(T.reason_with_words, { reason: mine.picked, words: said }) : mine.picked;
      delete declining[a.id];
      act(a.id, "decline", { reason });
    } }, T.confirm_decline);
    words.addEventListener("input", () => { mine.words = words.value; confirm.disabled = !ready(); });
    return [
      el("p", { id: `reasons-${a.id}` }, T.reason_prompt),
      el("div", { class: "reasons", role: "group", "aria-labelledby": `reasons-${a.id}` }, ...[...T.reasons, T.other].map((reason) =>
        el("button", { type: "button", "aria-pressed": mine.picked === reason ? "true" : "false",
          onclick: () => { mine.picked = reason; render(); } }, reason))),
      el("label", { for: `reason-${a.id}` }, other ? T.reason_other : T.reason_more), words, confirm,
      el("button", { type: "button", class: "link", onclick: () => { delete opened[a.id]; delete declining[a.id]; render(); } }, T.back),
    ];
  }

  function workCard(a) {
    const card = el("li", cardAttributes(a, `work ${a.state}`));
    card.append(el("p", { class: "state" }, T.states[a.state], " · ", `${a.head_count} ${T.people}`), ...header(a));
    if (pending(a.id)) {
      card.append(el("p", { class: "waiting" }, fill(T.waiting, { n: 1 })));
      return card;
    }
    const next = NEXT[a.state];
    const recovery = a.task.kind === "recovery";
    // One note field on screen at a time: recovery work at 已到达 reports progress (with its note) until the leader
    // chooses to finish it; only then the closing note and head count appear, in place of the progress form.
    if (recovery && opened[a.id] !== "finish") card.append(progressForm(a));
    if (next === "complete" && recovery && opened[a.id] !== "finish") {
      card.append(el("button", { type: "button", class: "big go", onclick: () => { opened[a.id] = "finish"; render(); } }, T.finish));
    } else if (next === "complete") {
      const note = el("input", { id: `note-${a.id}`, maxlength: 200 });
      const came = el("input", { id: `came-${a.id}`, type: "number", min: 0, max: 1000, inputmode: "numeric", value: a.head_count });
      card.append(el("label", { for: `note-${a.id}` }, T.note), note, el("label", { for: `came-${a.id}` }, T.came), came,
        el("button", { type: "button", class: "big go", onclick: () =>
          act(a.id, "complete", { note: note.value, people: came.value === "" ? null : Number(came.value) }) }, T.complete));
      if (recovery) card.append(el("button", { type: "button", class: "link", onclick: () => { delete opened[a.id]; render(); } }, T.back));
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

  // ---- the history: what is over, newest first, a page at a time ------------------------------------------------
  const archive = { items: null, page: 0, total: 0 };
  async function loadHistory(page) {
    let response;
    try {
      response = await fetch(`/api/assignments?past=true&per_page=20&page=${page}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (offline) {
      return;
    }
    if (!response.ok) return;
    const body = await response.json();
    archive.items = page === 1 ? body.items : [...archive.items, ...body.items];
    Object.assign(archive, { page, total: body.total });
    $("history").replaceChildren(...archive.items.map(pastCard));
    $("no-history").hidden = archive.items.length > 0;
    $("more-history").hidden = archive.items.length >= archive.total;
    showLinked(); // an offer answered or run out since the SMS: the link finds it here
  }

  function pastCard(a) {
    const when = new Date(a.offered_at).toLocaleString(document.documentElement.lang,
      { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    return el("li", { ...cardAttributes(a, `past ${a.state}`), "data-state": a.state },
      el("p", { class: "state" }, T.past[a.state] || a.state, " · ", when),
      el("h3", {}, a.drill ? el("span", { class: "drill" }, T.drill) : "", a.task.skills.join("、")),
      el("p", { class: "where" }, place(a.task)),
      a.note ? el("p", { class: "note" }, a.state === "declined" ? fill(T.reason, { reason: a.note }) : a.note) : "",
      el("p", { class: "meta" }, a.task.incident_title, " · ", `${T.code} ${a.short_code}`));
  }

  $("more-history").addEventListener("click", () => loadHistory(archive.page + 1));

  function countdown(deadline) {
    const left = Math.max(0, Math.round((new Date(deadline) - new Date()) / 1000));
    // Minutes and seconds said as such: "09:58" reads as a clock time.
    return fill(T.answer_by, { minutes: Math.floor(left / 60), seconds: String(left % 60).padStart(2, "0") });
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
    window.dispatchEvent(new CustomEvent("nudges", { detail: nudges })); // standby (phone_standby.js) listens too
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
  const timers = [
    setInterval(flush, 15000),
    // A nudge can be lost while the socket stays up (Redis away between two web processes): ask again now and then.
    setInterval(() => load(), 30000),
  ];
  // Logging out ends the session this page asks with: from the tap on, it stops asking and lets its socket go.
  document.querySelector(".phone-top form[action$='/logout']")?.addEventListener("submit", () => {
    timers.forEach(clearInterval);
    clearTimeout(soon);
    socket.disconnect();
  });

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/m/sw.js", { scope: "/m" }).catch(() => {});
  load();
  flush();
  risks.load().catch(() => {});
})();
