// One load-act-repeat cycle for the demo app (demo/): open the same sample file once more, as a
// user switching back to it would. `wasm-memory record <demo> --script demo-cycle.mjs --repeat 5`
// runs it five times; the leaky mode keeps every engine (a leak per cycle), the fixed mode
// closes the old one (flat). Used by e2e/cycles.spec.ts; a worked example in docs/CLI.md.
export default async function ({ page }) {
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  const opened = Number(await page.locator('[data-testid=open-count]').getAttribute('data-value'));
  await page.locator('[data-testid=open-sample][data-file="inventory.csv"]').click();
  await page.locator(`[data-testid=open-count][data-value="${opened + 1}"]`).waitFor({ state: 'attached' });
}
