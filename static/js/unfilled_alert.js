/* The duty officer's alarm for needs no one is left to ask: a short beep (WebAudio, no sound file) and a title
   that flashes until the officer touches the page again. Browsers allow sound only after the page has been
   touched (a click or a key), so the beep waits for that; the title flashes regardless. Each need alarms once
   each time it becomes unfilled. The page exposes the beeps started in <html data-beeps>, for its tests. */
(function () {
  "use strict";
  window.unfilledAlert = function (message, onTouched) {
    const title = document.title;
    const alarmed = new Set(); // need ids that have alarmed while unfilled
    let touched = false;
    let audio = null;
    let flashing = null;
    document.documentElement.dataset.beeps = "0";

    function beep() {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      const now = audio.currentTime;
      tone.type = "square";
      tone.frequency.setValueAtTime(880, now);
      tone.frequency.setValueAtTime(660, now + 0.25);
      volume.gain.setValueAtTime(0.15, now);
      volume.gain.exponentialRampToValueAtTime(0.001, now + 0.6);
      tone.connect(volume).connect(audio.destination);
      tone.start(now);
      tone.stop(now + 0.6);
      document.documentElement.dataset.beeps = String(Number(document.documentElement.dataset.beeps) + 1);
    }

    function flash() {
      if (flashing) return;
      let on = true;
      document.title = `【${message}】${title}`;
      document.documentElement.dataset.alarm = "on";
      flashing = setInterval(() => {
        on = !on;
        document.title = on ? `【${message}】${title}` : title;
      }, 1000);
    }

    function quiet() {
      clearInterval(flashing);
      flashing = null;
      document.title = title;
      delete document.documentElement.dataset.alarm;
    }

    function touch() {
      if (!touched && onTouched) onTouched();
      touched = true;
      quiet(); // the officer is at the page: the title has said what it had to
    }
    document.addEventListener("pointerdown", touch, true);
    document.addEventListener("keydown", touch, true);

    /* The ids of the needs unfilled now: new ones alarm; ones filled or closed since may alarm again later. */
    return function update(unfilledIds) {
      const now = new Set(unfilledIds);
      for (const id of [...alarmed]) if (!now.has(id)) alarmed.delete(id);
      const fresh = [...now].filter((id) => !alarmed.has(id));
      fresh.forEach((id) => alarmed.add(id));
      if (!now.size) quiet();
      if (!fresh.length) return;
      flash();
      if (touched) beep();
    };
  };
})();
