// One load-act-repeat cycle for the sql.js pages (e2e/pages/third-party/sqljs-*.html): run the
// page's report once. The leaky page forgets stmt.free() (20 x 64 KiB blobs stay malloc'ed in
// the sql.js heap per report); the clean page frees every statement. Used by e2e/cycles.spec.ts.
export default async function ({ page, log }) {
  await page.waitForFunction(() => document.title === 'done');
  const r = await page.evaluate(() => globalThis.runReport());
  log(`report ${r.actions}: ${r.leakedBytes} bytes left allocated`);
}
