/**
 * Messages between the offscreen document (offscreen.ts, which has chrome.runtime) and the
 * dedicated Worker it starts (host-worker.ts, which runs the analyzers). Extension-internal.
 */
import type { AnalyzerConfig } from '../../shared/analyzer-api';
import type { Trace } from '../../shared/protocol';
import type { BackgroundToHost, HostToBackground } from '../../shared/tab-status';

export type ToHostWorker =
  /** A message from the service worker. */
  | { kind: 'bg'; msg: BackgroundToHost }
  /** The port to the service worker is (again) up: say where each tab stands. */
  | { kind: 'connected' }
  /** The Worker's end of a direct line from the service worker (tab-status.ts HostChannel):
   *  host batches arrive on it; it replaces the previous one. */
  | { kind: 'channel'; port: MessagePort }
  | { kind: 'export'; id: number; tabId: number }
  /** Budgets from a tab's panel. */
  | { kind: 'configure-tab'; tabId: number; config: AnalyzerConfig };

export type FromHostWorker =
  { kind: 'to-bg'; msg: HostToBackground } | { kind: 'export-result'; id: number; trace: Trace | null; error?: string };
