// Actions script used by e2e/out-of-memory.spec.ts: one grow past a memory's maximum.
export default async function ({ page, log }) {
  await page.locator('html[data-ready="1"]').waitFor();
  log('grow:', await page.evaluate(() => window.growFarPastTheMaximum()));
}
