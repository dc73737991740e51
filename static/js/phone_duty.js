/* The leader's team on the phone page (队员在岗): who is on duty and who is off, a toggle each, and the whole team on
   or off in one tap. Off is until 8 in the morning unless the leader chooses "until I put them back": a team sent
   home for the night is back by itself, nobody has to remember. Only members on duty count when the office's offers
   are decided. The list shows what the API answered; a change that did not go through says so and changes nothing. */
(function () {
  "use strict";
  const section = document.getElementById("team");
  if (!section) return;
  const T = JSON.parse(document.getElementById("duty-strings").textContent);
  const { el, fill, api } = window.dom;
  const $ = (id) => document.getElementById(id);
  const MORNING_HOUR = 8;
  const REFRESH_MS = 5 * 60 * 1000; // a time off that has passed shows as on duty without a reload
  let team = [];
  let busy = false;

  function nextMorning(now) {
    const morning = new Date(now);
    morning.setHours(MORNING_HOUR, 0, 0, 0);
    if (morning <= now) morning.setDate(morning.getDate() + 1);
    return morning;
  }

  function until() {
    const chosen = section.querySelector(".team-until button[aria-pressed='true']");
    return chosen && chosen.dataset.until === "morning" ? nextMorning(new Date()).toISOString() : null;
  }

  function when(iso) {
    const format = { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
    return new Intl.DateTimeFormat(document.documentElement.lang, format).format(new Date(iso));
  }

  function state(member) {
    if (member.on_duty) return T.on;
    return member.off_until ? fill(T.off_until, { time: when(member.off_until) }) : T.off;
  }

  function row(member) {
    const toggle = el("button", {
      type: "button", role: "switch", class: "duty-toggle", "aria-checked": String(member.on_duty),
      onclick: () => stand([member.id], !member.on_duty),
    }, el("span", { class: "name" }, member.name), el("span", { class: "duty-state" }, state(member)));
    return el("li", { class: `member ${member.on_duty ? "on" : "off"}`, "data-member": member.id }, toggle);
  }

  function render() {
    const focused = document.activeElement && document.activeElement.closest("#team-list li");
    const keep = focused && focused.dataset.member;
    $("team-list").replaceChildren(...team.map(row));
    if (keep) { // the toggle just tapped keeps the focus, for a screen reader and the keyboard
      const again = $("team-list").querySelector(`li[data-member="${keep}"] button`);
      if (again) again.focus();
    }
    $("no-team").hidden = team.length > 0;
    $("all-on").disabled = $("all-off").disabled = team.length === 0;
    const on = team.filter((m) => m.on_duty).length;
    $("team-count").textContent = team.length ? fill(T.count, { on, all: team.length }) : "";
  }

  async function load() {
    if (busy) return;
    try {
      team = await api("GET", section.dataset.url);
    } catch (error) {
      return; // offline or logged out: the page's own status says so
    }
    render();
  }

  async function stand(ids, onDuty) {
    if (busy || !ids.length) return;
    busy = true;
    section.setAttribute("aria-busy", "true");
    const body = { member_ids: ids, on_duty: onDuty };
    const off = onDuty ? null : until();
    if (off) body.until = off;
    try {
      team = await api("POST", section.dataset.url, body);
      render();
    } catch (error) {
      $("team-count").textContent = error instanceof TypeError ? T.offline : fill(T.refused, { reason: error.message });
    } finally {
      busy = false;
      section.removeAttribute("aria-busy");
    }
  }

  function chooseUntil(event) {
    const button = event.target.closest("button");
    if (!button) return;
    section.querySelectorAll(".team-until button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
  }

  $("all-on").addEventListener("click", () => stand(team.map((m) => m.id), true));
  $("all-off").addEventListener("click", () => stand(team.map((m) => m.id), false));
  section.querySelector(".team-until").addEventListener("click", chooseUntil);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });
  setInterval(load, REFRESH_MS);
  load();
})();
