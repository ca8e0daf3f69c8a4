/*
 * builtins.js: the hostile page's own code (after poison.js). It shows, as text the test reads
 * from the DOM (never by evaluating in this poisoned realm):
 *   #trip-names  one line per tripwire hit, here or in the worker ("window|worker <name>")
 *   #trips   the same with the caller's stack
 *   #errors  every error and unhandled rejection this page or its worker saw
 *   #result  JSON of the memories made ([{ label, bytes }]) and the wasm-bindgen-shaped counts
 *   #status  "done" when everything ran, "failed: ..." otherwise
 */
(function () {
  'use strict';
  const h = globalThis.hostile;
  const $ = (id) => document.getElementById(id);
  const append = (id, line) => {
    const el = $(id);
    el.textContent = el.textContent + line + '\n';
  };
  const trip = (where, t) => {
    append('trip-names', where + ' ' + t.name);
    append('trips', where + ' ' + t.name + '\n' + t.stack);
  };
  h.onTrip((t) => trip('window', t));
  const errors = [];
  addEventListener('error', (e) => {
    errors[errors.length] = 'error: ' + e.message;
    append('errors', 'window error: ' + e.message);
  });
  addEventListener('unhandledrejection', (e) => {
    append('errors', 'window unhandledrejection: ' + String(e.reason && e.reason.stack ? e.reason.stack : e.reason));
  });

  // wasm-bindgen-shaped glue (0.2.93+): objects made and freed through a class whose free()
  // calls the module's __wbg_thing_free export, registered in a FinalizationRegistry.
  async function bindgenObjects() {
    const r = await fetch('/e2e/pages/hostile/thing.wasm');
    const wasm = (await WebAssembly.instantiate(await r.arrayBuffer(), {})).instance.exports;
    const ThingFinalization = new FinalizationRegistry((ptr) => wasm.__wbg_thing_free(ptr >>> 0, 1));
    class Thing {
      constructor(ptr) {
        this.__wbg_ptr = ptr >>> 0;
        ThingFinalization.register(this, this.__wbg_ptr, this);
      }
      free() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ThingFinalization.unregister(this);
        wasm.__wbg_thing_free(ptr, 0);
      }
    }
    const things = (globalThis.things = []);
    for (let i = 0; i < 40; i++) things[i] = new Thing(16 + i * 8);
    for (let i = 0; i < 15; i++) things[i].free();
    globalThis.keep[globalThis.keep.length] = wasm.mem0;
    return { created: 40, freed: 15, memory: { label: 'window bindgen', bytes: wasm.mem0.buffer.byteLength } };
  }

  function runWorker() {
    return new Promise((resolve, reject) => {
      const w = new Worker('/e2e/pages/hostile/builtins-worker.js');
      globalThis.worker = w;
      w.onmessage = (ev) => {
        const m = ev.data;
        if (m.trip) trip('worker', m.trip);
        else if (m.error) append('errors', 'worker ' + m.error);
        else if (m.done) resolve(m.result);
        else if (m.failed) reject(new Error('worker: ' + m.failed));
      };
      w.onerror = (ev) => reject(new Error('worker error: ' + ev.message));
    });
  }

  (async () => {
    try {
      const own = await hostileExercise('window');
      const memories = own.memories;
      const bindgen = await bindgenObjects();
      memories[memories.length] = bindgen.memory;
      const fromWorker = await runWorker();
      for (let i = 0; i < fromWorker.memories.length; i++) memories[memories.length] = fromWorker.memories[i];
      const promiseSource = { window: own.promiseSource, worker: fromWorker.promiseSource };
      $('result').textContent = h.stringify({ memories, promiseSource, bindgen: { created: bindgen.created, freed: bindgen.freed } });
      $('status').textContent = 'done';
    } catch (e) {
      $('status').textContent = 'failed: ' + String(e && e.stack ? e.stack : e);
    }
  })();
})();
