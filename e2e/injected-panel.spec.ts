/**
 * The injected core through the REAL relay (content script -> service worker -> panel): no test
 * observer on the page; the panel's automation API sees what the core sent.
 */
import type { Page } from '@playwright/test';
import type { PageEvent, Trace } from '../src/shared/protocol';
import { expect, test } from './fixtures';

interface PanelApi {
  exportTrace(): Trace;
  eventCount(): number;
  connected(): boolean;
  mark(label: string): void;
}

async function traceOf(panel: Page): Promise<PageEvent[]> {
  return panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel?: PanelApi }).wasmMemoryPanel?.exportTrace().events ?? []);
}

test('memories, in-wasm growth and marks reach the panel through the real relay', async ({ context, openPanel }) => {
  const page = await context.newPage();
  await page.goto('/e2e/pages/injected/paths.html');
  const panel = await openPanel(page);
  await page.evaluate(() => {
    const p = (window as unknown as { paths: Record<string, () => unknown> }).paths;
    p.memoryConstructor!();
    p.moduleAndInstance!();
    p.growInWasm!();
  });
  let events: PageEvent[] = [];
  await expect
    .poll(
      async () => {
        events = await traceOf(panel);
        return events.some((e) => e.t === 'grow' && e.via === 'wasm' && e.toBytes === 8 * 65536);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  const mem = events.find((e): e is Extract<PageEvent, { t: 'memory' }> => e.t === 'memory' && e.exportName === 'm')!;
  expect(mem).toMatchObject({ origin: 'export', owner: `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}/e2e/pages/injected/paths.js` });
  await expect(panel.locator(`[data-testid=memory-row][data-key="${mem.key}"] [data-testid=memory-current]`)).toHaveAttribute(
    'data-value',
    String(8 * 65536),
  );

  // A mark from the panel comes back as a page event on the page's clock.
  await panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel: PanelApi }).wasmMemoryPanel.mark('from-panel'));
  await expect
    .poll(async () => (await traceOf(panel)).some((e) => e.t === 'mark' && e.label === 'from-panel'), { timeout: 15_000 })
    .toBe(true);
  const trace = await panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel: PanelApi }).wasmMemoryPanel.exportTrace());
  expect(trace.dropped).toBe(0);
});
