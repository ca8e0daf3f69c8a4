/**
 * What the panel page exposes as `globalThis.wasmMemoryPanel` for automation: e2e tests and
 * `wasm-memory record` drive the panel through it. Set by src/devtools-panel/panel.tsx.
 */
import type { Report } from './analyzer-api';
import type { Trace } from './protocol';

export interface PanelAutomation {
  exportTrace(): Trace;
  report(): Report;
  mark(label: string): void;
  eventCount(): number;
  connected(): boolean;
}
