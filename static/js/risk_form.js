/* Reporting a risk (the form of dispatch/templates/_risk_form.html) and listing the reports I made, with what the
   subdistrict did about each. ``window.riskForm()`` wires the form and returns ``{ load }`` to refresh the list
   (worth calling when a "risk." event arrives: nothing else changes it). */
window.riskForm = function () {
  "use strict";
  const T = JSON.parse(document.getElementById("risk-strings").textContent);
  const { el, fill, api } = window.dom;
  const $ = (id) => document.getElementById(id);
  let here = null;

  $("risk-here").addEventListener("click", () => {
    if (!navigator.geolocation) { $("risk-where").textContent = T.no_position; return; }
    navigator.geolocation.getCurrentPosition((position) => {
      here = { lon: position.coords.longitude, lat: position.coords.latitude };
      $("risk-where").textContent = fill(T.here, { lat: here.lat.toFixed(5), lon: here.lon.toFixed(5) });
    }, () => { $("risk-where").textContent = T.no_position; }, { timeout: 10000 });
  });

  $("risk-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { category: $("risk-category").value, note: $("risk-note").value };
    const address = $("risk-address").value.trim();
    if (address) body.address = address;
    else if (here) body.location = here;
    try {
      await api("POST", "/api/risks", body);
      $("risk-result").textContent = T.sent;
      $("risk-note").value = "";
      $("risk-address").value = "";
      load();
    } catch (error) {
      $("risk-result").textContent = fill(T.refused, { reason: error.message });
    }
  });

  async function load() {
    const reports = (await api("GET", "/api/risks?per_page=20")).items;
    $("risks").replaceChildren(...reports.map((risk) => el("li", { class: "card", "data-risk": risk.id },
      el("p", { class: "where" }, risk.address || risk.cell.name),
      el("p", {}, T.status[risk.status], risk.handled_note ? ` · ${risk.handled_note}` : ""),
      risk.note ? el("p", { class: "meta" }, risk.note) : "")));
  }

  return { load };
};
