// Actions script used by e2e/cli.spec.ts: waits for the automatic loads, loads 3 more files by
// clicking, and marks before and after.
export default async function ({ page, mark, log }) {
  await page.locator('#status').filter({ hasText: /^done / }).waitFor();
  await mark('auto loads done');
  for (let i = 0; i < 3; i++) await page.click('#load');
  await mark('after 3 clicks');
  log('clicked', 3);
}
