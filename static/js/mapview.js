/* The map the officers' pages share: tiles when configured (GCJ-02 tiles get every point shifted onto them, and
   clicks shifted back; with WGS-84 tiles, or none, nothing is shifted) and the grid cells in the user's scope. */
window.mapView = function (box) {
  "use strict";
  const map = L.map(box, { zoomControl: true, attributionControl: Boolean(box.dataset.tiles) });
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  const shifted = box.dataset.system === "gcj02";
  const onMap = (lon, lat) => { const [x, y] = shifted ? gcj02.fromWgs84(lon, lat) : [lon, lat]; return L.latLng(y, x); };
  const fromMap = (latlng) => (shifted ? gcj02.toWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat]);
  const cells = L.geoJSON(null, { style: { color: "#4a6a8a", weight: 1, fillOpacity: 0.05 },
    coordsToLatLng: ([lon, lat]) => onMap(lon, lat) }).addTo(map);

  async function loadCells() {
    const found = await window.dom.all("/api/cells");
    for (const cell of found) if (cell.geometry) cells.addData({ type: "Feature", id: cell.id, properties: { name: cell.name }, geometry: cell.geometry });
    if (found.length) map.fitBounds(cells.getBounds());
    else map.setView([30.27, 120.15], 12);
  }

  return { map, onMap, fromMap, cells, loadCells };
};
