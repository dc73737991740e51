/* Standby (备勤) on the leader's phone page: while a warning stands, its question at the top, answered in one tap
   with a number (or any number typed), and changed the same way; what is shown is what the API answered. The page's
   socket (phone.js) passes its nudges on as a "nudges" event: a new question or a warning lifted shows at once. */
(function () {
  "use strict";
  const section = document.getElementById("standby");
  if (!section) return;
  const T = JSON.parse(document.getElementById("standby-strings").textContent);
  const { el, fill, api } = window.dom;
  const QUICK = [0, 1, 2, 3, 5, 8, 10];

  async function load() {
    const polls = (await api("GET", "/api/standby")).items;
    section.hidden = polls.length === 0;
    section.querySelector("ol").replaceChildren(...polls.map(card));
  }

  function card(poll) {
    const typed = el("input", { type: "number", min: "0", max: "1000", inputmode: "numeric", "aria-label": T.other, class: "standby-number" });
    const form = el("form", { class: "standby-other" }, typed, el("button", { type: "submit", class: "big go" }, T.send));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (typed.value !== "") answer(poll, Number(typed.value));
    });
    return el("li", { class: `card standby-card${poll.ready === null ? " asked" : ""}`, "data-poll": poll.id },
      el("h3", {}, fill(T.question, { warning: poll.warning })),
      el("p", { class: "standby-state", role: "status" }, poll.ready === null ? T.not_yet : fill(T.answered, { n: poll.ready })),
      el("div", { class: "standby-quick", role: "group", "aria-label": T.quick },
        ...QUICK.map((n) => el("button", { type: "button", class: `big${n === poll.ready ? " chosen" : ""}`, onclick: () => answer(poll, n) }, String(n)))),
      form);
  }

  async function answer(poll, ready) {
    try {
      await api("POST", `/api/standby/${poll.id}/answer`, { ready });
    } catch (error) {
      alert(fill(T.refused, { reason: error.message }));
    }
    load().catch(() => {});
  }

  window.addEventListener("nudges", (event) => {
    if (event.detail.some((n) => n.kind.startsWith("standby.") || n.kind.startsWith("warning."))) load().catch(() => {});
  });
  load().catch(() => {});
})();
