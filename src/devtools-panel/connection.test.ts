import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PanelToBackground } from '../shared/protocol';
import { PanelConnection, type PanelPortLike } from './connection';

const v = PROTOCOL_VERSION;

class FakePort implements PanelPortLike {
  sent: PanelToBackground[] = [];
  dead = false;
  msg: ((m: unknown) => void) | null = null;
  disc: (() => void) | null = null;
  postMessage(m: PanelToBackground): void {
    if (this.dead) throw new Error('disconnected');
    this.sent.push(m);
  }
  onMessage(cb: (m: unknown) => void): void {
    this.msg = cb;
  }
  onDisconnect(cb: () => void): void {
    this.disc = cb;
  }
}

describe('PanelConnection', () => {
  it('subscribes, resubscribes with a resume point after the worker stops, and resends queued marks', () => {
    const ports: FakePort[] = [];
    const timers: Array<() => void> = [];
    const states: string[] = [];
    let resume: { session: string; seq: number } | undefined;
    const got: unknown[] = [];
    const c = new PanelConnection(
      {
        connect: () => {
          const p = new FakePort();
          ports.push(p);
          return p;
        },
        schedule: (fn) => void timers.push(fn),
        log: () => undefined,
      },
      5,
      () => resume,
      (m) => got.push(m),
      (s) => states.push(s),
    );
    c.start();
    expect(ports[0]?.sent).toEqual([{ kind: 'subscribe', v, tabId: 5 }]);
    ports[0]?.msg?.({ kind: 'welcome', v, tabId: 5 });
    expect(got).toEqual([{ kind: 'welcome', v, tabId: 5 }]);
    resume = { session: 'A', seq: 10 };
    const p0 = ports[0];
    if (!p0) throw new Error();
    p0.dead = true;
    p0.disc?.();
    c.mark('while down');
    expect(states).toEqual(['connected', 'disconnected']);
    timers.shift()?.();
    expect(ports[1]?.sent).toEqual([
      { kind: 'subscribe', v, tabId: 5, resume: { session: 'A', seq: 10 } },
      { kind: 'mark', v, tabId: 5, label: 'while down' },
    ]);
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
    // Messages from the old port are ignored.
    p0.msg?.({ kind: 'welcome', v, tabId: 5 });
    expect(got.length).toBe(1);
  });
});
