/* The board's plans panel: the emergency plans that cover the chosen incident, each with its tasks (those already
   posted on the incident marked so) and one button that starts the plan with the tasks ticked. The needs it posts
   then appear on the board like any other, through the socket's nudge. */
window.planPanel = function (box, T, say) {
  "use strict";
  const { el, fill, api } = window.dom;
  let shown = "";

  async function show(incidentId) {
    if (incidentId === null) { box.hidden = true; shown = ""; return; }
    const proposals = (await api("GET", `/api/incidents/${incidentId}/plans`)).items;
    const key = JSON.stringify([incidentId, proposals]);
    if (key === shown) return; // nothing new: leave the ticks where the officer put them
    shown = key;
    box.hidden = !proposals.length;
    const cards = [];
    for (const proposal of proposals) {
      const plan = await api("GET", `/api/plans/${proposal.plan.id}`);
      cards.push(card(incidentId, plan, new Set(proposal.started_tasks)));
    }
    box.replaceChildren(el("h2", {}, T.plans_title), ...cards);
  }

  function card(incidentId, plan, started) {
    const ticks = plan.tasks.map((task) => {
      const posted = started.has(task.name);
      return el("label", { class: "choice" },
        el("input", { type: "checkbox", value: task.number, checked: !posted, disabled: posted }),
        `${task.number}. ${task.name}`, posted ? ` · ${T.plan_posted}` : "");
    });
    const form = el("form", { class: "plan-start", "data-plan": plan.id }, el("fieldset", {},
      el("legend", {}, el("a", { href: `/plans/${plan.id}` }, plan.title), ` · ${fill(T.plan_version, { n: plan.version })}`),
      ...ticks),
      el("button", { type: "submit", class: "primary" }, T.plan_start));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const tasks = [...form.querySelectorAll("input:checked:not(:disabled)")].map((box) => Number(box.value));
      if (!tasks.length) { say(T.plan_none_ticked, true); return; }
      if (!confirm(fill(T.plan_confirm, { title: plan.title, n: tasks.length }))) return;
      try {
        const started = await api("POST", `/api/incidents/${incidentId}/plans/${plan.id}/start`, { tasks });
        say(fill(T.plan_started, { n: started.posted.length }));
      } catch (error) {
        say(error.message, true);
      }
      shown = "";
      show(incidentId);
    });
    return form;
  }

  return { show };
};
