// `wasm-memory record --script` actions for the sql.js pages (how the recorded traces in
// src/analyzer/traces/sqljs-*.trace.json were made): a user running the page's report six
// times, a few seconds apart, the heap at rest in between.
export default async function ({ page, wait, log }) {
  await page.waitForFunction(() => document.title === 'done');
  for (let i = 0; i < 6; i++) {
    const r = await page.evaluate(() => globalThis.runReport());
    log(`report ${r.actions}: ${r.statements} statements, ${r.leakedBytes} bytes left allocated`);
    await wait(3500);
  }
}
