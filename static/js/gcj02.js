/* GCJ-02, the shifted coordinates of Chinese map tiles (AMap, Tencent): the same formula as geo/coords.py, so the
   board can draw our WGS-84 points on such tiles and read a click on them back into WGS-84. A browser test checks
   that both agree. Applied only where the shift applies (mainland China's bounding box, roughly: the board is for
   Chinese street offices; geo/coords.py has the exact boxes). */
window.gcj02 = (function () {
  "use strict";
  const A = 6378245.0;
  const EE = 0.00669342162296594323;
  const PI = Math.PI;

  function inChina(lon, lat) { return lon >= 73.4 && lon <= 135.1 && lat >= 18.1 && lat <= 53.6; }

  function offset(lon, lat) {
    const x = lon - 105.0;
    const y = lat - 35.0;
    const ripple = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dlat += ripple + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dlon += ripple + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radLat = lat / 180.0 * PI;
    const magic = 1.0 - EE * Math.sin(radLat) ** 2;
    const sqrtMagic = Math.sqrt(magic);
    return [dlon * 180.0 / (A / sqrtMagic * Math.cos(radLat) * PI), dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI)];
  }

  function fromWgs84(lon, lat) {
    if (!inChina(lon, lat)) return [lon, lat];
    const [dlon, dlat] = offset(lon, lat);
    return [lon + dlon, lat + dlat];
  }

  function toWgs84(lon, lat) { // the inverse, by fixed-point iteration as in geo/coords.py
    if (!inChina(lon, lat)) return [lon, lat];
    const [dlon, dlat] = offset(lon, lat);
    let [x, y] = [lon - dlon, lat - dlat];
    for (let i = 0; i < 30; i += 1) {
      const [fx, fy] = fromWgs84(x, y);
      const [ex, ey] = [fx - lon, fy - lat];
      x -= ex;
      y -= ey;
      if (Math.abs(ex) < 1e-9 && Math.abs(ey) < 1e-9) break;
    }
    return [x, y];
  }

  return { fromWgs84, toWgs84 };
})();
