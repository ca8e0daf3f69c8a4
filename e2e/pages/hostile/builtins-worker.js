/*
 * The hostile page's worker: the same poisoning first thing, then the same WebAssembly use
 * (exercise.js, loaded AFTER the poisoning: importScripts and fetch go through the extension's
 * worker hooks while the built-ins are tripwires). Trips, errors and results go to the page.
 */
importScripts('/e2e/pages/hostile/poison.js');
hostile.onTrip((t) => postMessage({ trip: t }));
addEventListener('error', (e) => postMessage({ error: 'error: ' + e.message }));
addEventListener('unhandledrejection', (e) => postMessage({ error: 'unhandledrejection: ' + String(e.reason) }));
importScripts('exercise.js'); // relative: resolved against this script's URL
(async () => {
  try {
    postMessage({ done: true, result: await hostileExercise('worker') });
  } catch (e) {
    postMessage({ failed: String(e && e.stack ? e.stack : e) });
  }
})();
