/** Small event and alert builders shared by the panel's unit tests (tests only). */
import type { Alert, AlertKind, Severity } from '../shared/analyzer-api';
import type { PageEvent } from '../shared/protocol';

/** A one-page exported memory discovered at `time`. */
export const memoryAt = (key: string, time: number): PageEvent => ({
  t: 'memory',
  time,
  key,
  origin: 'export',
  shared: false,
  bytes: 65536,
  maxBytes: null,
  owner: 'a.wasm',
});

/** A sample of one memory at one page. */
export const sampleAt = (key: string, time: number): PageEvent => ({ t: 'sample', time, keys: [key], bytes: [65536] });

/** An active alert with no evidence to speak of. */
export const testAlert = (id: string, kind: AlertKind, subject: string, severity: Severity, state: Alert['state'] = 'active'): Alert => ({
  id,
  kind,
  severity,
  subject,
  title: id,
  detail: '',
  recommendation: '',
  evidence: { series: 's', fromTime: 0, toTime: 1, points: [] },
  state,
  raisedAt: 0,
  updatedAt: 0,
});
