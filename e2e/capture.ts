/**
 * Read the injected layer's own batches on the page (contract 1 allows the page to listen): an
 * init script answers nothing, it only listens on the private port the injected script offers
 * with its `connect` message. For specs that assert what the page side reported, before any
 * relay or analysis.
 */
import type { Page } from '@playwright/test';
import type { PageEvent } from '../src/shared/protocol';

/** Start collecting before the page's first script (call before `page.goto`). */
export async function captureInjected(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const events: unknown[] = [];
    (globalThis as unknown as { __wmCaptured: unknown[] }).__wmCaptured = events;
    addEventListener('message', (e: MessageEvent) => {
      const d = e.data as { source?: unknown; kind?: unknown } | null;
      if (!d || d.source !== 'wasm-memory-injected' || d.kind !== 'connect') return;
      const port = e.ports[0];
      if (!port) return;
      port.addEventListener('message', (m: MessageEvent) => {
        const b = m.data as { kind?: unknown; events?: unknown[] } | null;
        if (b && b.kind === 'batch' && Array.isArray(b.events)) events.push(...b.events);
      });
      port.start();
    });
  });
}

/** The events collected so far, in arrival order. */
export async function injectedEvents(page: Page): Promise<PageEvent[]> {
  return page.evaluate(() => (globalThis as unknown as { __wmCaptured: PageEvent[] }).__wmCaptured);
}
