/* The board's warnings panel: the county's warnings in force, each with its standby readiness per subdistrict and
   skill (teams asked, answered, people ready against the plans' need), asking the silent teams again, lifting the
   warning; entering a warning by hand (an Idempotency-Key per submission) and reading a CAP file in. Socket nudges
   (a standby answer, a new warning, one ended) make it ask the API again, so an ended warning drops off. */
window.warningPanel = function (box, T, say, skillName) {
  "use strict";
  const { el, fill, api } = window.dom;
  let shown = "";

  async function show() {
    const warnings = (await api("GET", "/api/warnings?in_force=true&per_page=200")).items;
    const standby = await Promise.all(warnings.map((w) => api("GET", `/api/warnings/${w.id}/standby`)));
    const key = JSON.stringify(standby);
    if (key === shown) return;
    shown = key;
    box.querySelector(".warning-list").replaceChildren(...standby.map(card));
    box.querySelector(".no-warning").hidden = standby.length > 0;
  }

  function card(found) {
    const w = found.warning;
    const rows = found.readiness.map((r) => el("tr", { class: r.ready < r.needed ? "short" : "" },
      el("th", { scope: "row" }, r.subdistrict.name), el("td", {}, skillName(r.skill)), el("td", {}, `${r.answered}/${r.asked}`),
      el("td", {}, `${r.ready}/${r.needed}`)));
    const silent = found.polls.filter((p) => p.ready === null).length;
    return el("section", { class: `warning ${w.colour || ""}`, "data-warning": w.id },
      el("h3", {}, w.headline),
      el("p", { class: "hint" }, fill(T.warning_until, { time: new Date(w.expires_at).toLocaleString() }), " · ",
        fill(T.warning_teams, { answered: found.polls.length - silent, asked: found.polls.length })),
      // on a phone the table scrolls inside its box (long skill names in English), the page keeps its width
      rows.length ? el("div", { class: "table-scroll" }, el("table", { class: "readiness" },
        el("thead", {}, el("tr", {}, ...[T.r_where, T.r_skill, T.r_answered, T.r_ready].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, ...rows))) : el("p", { class: "hint" }, T.warning_no_plan),
      el("div", { class: "row-actions" },
        silent ? el("button", { type: "button", onclick: () => act(`/api/warnings/${w.id}/ask-again`, T.asked_again) }, fill(T.ask_again, { n: silent })) : "",
        el("button", { type: "button", onclick: () => { if (confirm(T.confirm_lift)) act(`/api/warnings/${w.id}/lift`, T.lifted); } }, T.lift)));
  }

  async function act(url, done) {
    try {
      const answer = await api("POST", url);
      say([fill(done, { n: answer.asked ?? "" }), answer.notice].filter(Boolean).join(" · ")); // notice: why some were not texted
    } catch (error) {
      say(error.message, true);
    }
    shown = "";
    show().catch((error) => say(error.message, true));
  }

  /* An officer's warning, with a key per submission: a double click or a retry after a timeout enters it once and
     texts no team twice (the API answers the first warning). */
  box.querySelector("#warning-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const key = form.dataset.key || (form.dataset.key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now() + Math.random()));
    const chosen = form.subdistrict_ids ? [...form.subdistrict_ids.selectedOptions].map((o) => Number(o.value)) : [];
    const body = { kind: form.kind.value, colour: form.colour.value, headline: form.headline.value.trim(),
      hours: Number(form.hours.value), subdistrict_ids: chosen, ask_all_with_skills: form.ask_all_with_skills.checked };
    try {
      const warning = await api("POST", "/api/warnings", body, { "Idempotency-Key": key });
      delete form.dataset.key; // entered: the next submit is a new warning; a double click reused the key
      say(fill(T.warning_entered, { headline: warning.headline, n: warning.cells.length }));
      form.reset();
    } catch (error) {
      say(error.message, true);
    }
    shown = "";
    show().catch((error) => say(error.message, true));
  });

  /* The file's text in the encoding its XML declaration names: feeds from the national system are often GBK or
     GB18030, which file.text() would read as UTF-8 and garble. TextDecoder knows them; an encoding it does not know
     is read as UTF-8 and the server names the problem. */
  async function asDeclared(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
    try {
      return new TextDecoder(declared ? declared[1] : "utf-8").decode(bytes);
    } catch (error) {
      return new TextDecoder("utf-8").decode(bytes);
    }
  }

  box.querySelector("#cap-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = event.target.cap.files[0];
    if (!file) { say(T.cap_choose, true); return; }
    try {
      const read = await api("POST", "/api/warnings/cap", { cap: await asDeclared(file) });
      const done = fill(T.cap_read[read.outcome] || read.outcome, { headline: read.warning.headline, n: read.warning.cells.length });
      say(read.notice ? `${done} ${read.notice}` : done); // a subdistrict's reading: the subdistricts it left out
      event.target.reset();
    } catch (error) {
      say(error.message, true);
    }
    shown = "";
    show().catch((error) => say(error.message, true));
  });

  return { show };
};
