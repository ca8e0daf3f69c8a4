// Module worker: resvg objects created and dropped inside a worker realm.
import { loadResvg, SVG } from './lib.js';

const { Resvg } = await loadResvg();
const N = 12; // >= the analyzer's neverFreedMin (10)
function leak() {
  for (let i = 0; i < N; i++) {
    const r = new Resvg(SVG);
    void r.getBBox(); // a registered BBox, dropped
    // forgotten: r.free()
  }
}
leak();
postMessage({ done: true, resvg: N });
