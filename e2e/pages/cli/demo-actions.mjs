// Actions script for the demo app (demo/): opens the four sample files one after another, as a
// user would, with a mark after each. Used by e2e/cli.spec.ts; also a worked example for
// docs/CLI.md:  wasm-memory record http://127.0.0.1:4173/demo/ --script e2e/pages/cli/demo-actions.mjs
const SAMPLES = ['sales-2025.csv', 'inventory.csv', 'access.log', 'field-notes.txt'];

export default async function ({ page, mark, log }) {
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  for (const [i, file] of SAMPLES.entries()) {
    await page.locator(`[data-testid=open-sample][data-file="${file}"]`).click();
    await page.locator(`[data-testid=open-count][data-value="${i + 1}"]`).waitFor({ state: 'attached' });
    await mark(`opened ${file}`);
  }
  log(`opened ${SAMPLES.length} files; engines alive:`, await page.locator('[data-testid=engine-count]').textContent());
}
