// `wasm-memory record --script`: start the page's worker once and check that it worked.
export default async function ({ page, log }) {
  const r = await page.evaluate(() => window.runWorker());
  if (!r.ok) throw new Error(`the page's worker failed: ${JSON.stringify(r)}`);
  log(`worker: ${r.bytes} bytes`);
}
