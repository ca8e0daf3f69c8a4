import { describe, expect, it } from 'vitest';
import { BUFFER_BYTES } from '../shared/event-bytes';
import { PROTOCOL_VERSION, type PageEvent } from '../shared/protocol';
import type { BackgroundToHost } from '../shared/tab-status';
import { CHANNEL_WAIT_MS, ChannelPairing, HOST_BATCH_MS, hostEndpoint } from './host-link';

const v = PROTOCOL_VERSION;
const sample = (time: number): PageEvent => ({ t: 'sample', time, keys: ['r:1'], bytes: [65536] });
const events = (seq: number, n = 1): BackgroundToHost => ({
  kind: 'events',
  v,
  tabId: 1,
  events: Array.from({ length: n }, (_, i) => sample(seq + i)),
  dropped: 0,
  session: 's',
  seq,
});

/** A fake clock with timers, a port and a channel that record what they carry. */
function setup() {
  let t = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  const port: BackgroundToHost[] = [];
  const line: BackgroundToHost[] = [];
  let closed = false;
  const ep = hostEndpoint({
    port: { postMessage: (m) => port.push(m), disconnect: () => undefined },
    now: () => t,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimer: (id) => {
      timers = timers.filter((x) => x.id !== id);
    },
    log: () => undefined,
  });
  const channel = { postMessage: (m: BackgroundToHost) => void line.push(m), close: () => void (closed = true) };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((x) => x !== due);
      t = due.at;
      due.fn();
    }
    t = end;
  };
  /** The seq of every events message carried, in order. */
  const seqs = (msgs: BackgroundToHost[]) =>
    msgs
      .flatMap((m) => (m.kind === 'host-batch' ? (JSON.parse(m.json) as BackgroundToHost[]) : [m]))
      .map((m) => (m.kind === 'events' ? m.seq : -1));
  return { ep, port, line, channel, advance, seqs, closed: () => closed };
}

describe('hostEndpoint', () => {
  it('sends every batch over the direct line once it is offered, coalesced per HOST_BATCH_MS', () => {
    const { ep, port, line, channel, advance, seqs } = setup();
    ep.send(events(0));
    ep.useChannel(channel);
    ep.send(events(1));
    advance(HOST_BATCH_MS);
    expect(port).toEqual([]);
    expect(line.length).toBe(1);
    expect(line[0]?.kind).toBe('host-batch');
    ep.send(events(2));
    advance(HOST_BATCH_MS);
    expect(seqs(line)).toEqual([0, 1, 2]);
  });

  it('batches wait for the line, then take the port for good if it does not come within CHANNEL_WAIT_MS', () => {
    const { ep, port, line, channel, advance, seqs, closed } = setup();
    ep.send(events(0));
    advance(HOST_BATCH_MS);
    expect(port).toEqual([]); // waiting for the line
    advance(CHANNEL_WAIT_MS);
    expect(seqs(port)).toEqual([0]);
    // A line offered late is refused: one route per connection, so nothing overtakes.
    ep.useChannel(channel);
    expect(closed()).toBe(true);
    ep.send(events(1));
    advance(HOST_BATCH_MS);
    expect(seqs(port)).toEqual([0, 1]);
    expect(line).toEqual([]);
  });

  it('a flood does not wait for the line past a few messages worth of bytes', () => {
    const { ep, port, advance, seqs } = setup();
    let seq = 0;
    // ~1 KB events: enough of them to pass 4 x hostPending.
    const n = Math.ceil((4 * BUFFER_BYTES.hostPending) / 20_000) + 1;
    for (let i = 0; i < n; i++) {
      ep.send(events(seq, 200));
      seq += 200;
    }
    advance(HOST_BATCH_MS / 4);
    expect(port.length).toBeGreaterThan(0);
    advance(HOST_BATCH_MS);
    const got = seqs(port);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i * 200));
  });
});

describe('ChannelPairing', () => {
  const fake = () => {
    const ch = { closed: false, close: () => void (ch.closed = true) };
    return ch;
  };
  it('pairs the two halves of an offer in either order', () => {
    const pairs = new ChannelPairing<ReturnType<typeof fake>>();
    const a = fake();
    const got: unknown[] = [];
    pairs.port('a', a);
    pairs.offer('a', (ch) => got.push(ch));
    const b = fake();
    pairs.offer('b', (ch) => got.push(ch));
    pairs.port('b', b);
    expect(got).toEqual([a, b]);
  });
  it('takes only the newest offer, and keeps a few unclaimed ports at most (the oldest closed)', () => {
    const pairs = new ChannelPairing<ReturnType<typeof fake>>(2);
    const got: string[] = [];
    pairs.offer('old', () => got.push('old'));
    pairs.offer('new', () => got.push('new'));
    pairs.port('old', fake());
    pairs.port('new', fake());
    expect(got).toEqual(['new']);
    const [x, y, z] = [fake(), fake(), fake()];
    pairs.port('x', x);
    pairs.port('y', y);
    pairs.port('z', z);
    expect([x.closed, y.closed, z.closed]).toEqual([true, false, false]);
  });
});
