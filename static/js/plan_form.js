/* The plan form, a little easier with a script (it works without one): a task's place box suggests the plan's
   communities and grid cells only when the place is given as a code, and says what to type for the chosen kind. */
(function () {
  "use strict";
  const codes = new Set(["cell", "community"]);
  const follow = (select) => {
    const box = document.getElementById(select.id.replace(/place_kind$/, "place_value"));
    if (!box) return;
    if (codes.has(select.value)) box.setAttribute("list", "plan-places");
    else box.removeAttribute("list");
    const hint = select.selectedOptions[0] && select.selectedOptions[0].dataset.hint;
    if (hint) box.placeholder = hint;
  };
  document.querySelectorAll("select[id$='-place_kind']").forEach((select) => {
    follow(select);
    select.addEventListener("change", () => follow(select));
  });
})();
