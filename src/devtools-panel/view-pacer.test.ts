import { describe, expect, it } from 'vitest';
import { PACE_ABOVE_MS, RATIO, ViewPacer } from './view-pacer';

/** A fake clock, frame queue and timers; `cost` is what each update takes on the clock. */
function setup(cost = 1) {
  let t = 0;
  const frames: Array<() => void> = [];
  const timers: Array<{ at: number; fn: () => void }> = [];
  let updates = 0;
  const state = { cost };
  const pacer = new ViewPacer(
    {
      now: () => t,
      scheduleFrame: (fn) => void frames.push(fn),
      schedule: (fn, ms) => void timers.push({ at: t + ms, fn }),
    },
    () => {
      updates++;
      t += state.cost;
    },
  );
  const frame = () => {
    const f = frames.splice(0);
    for (const fn of f) fn();
  };
  /** Move the clock to `to`, firing the timers due by then. */
  const advance = (to: number) => {
    t = Math.max(t, to);
    for (const x of timers.filter((x) => x.at <= t)) {
      timers.splice(timers.indexOf(x), 1);
      x.fn();
    }
  };
  return { pacer, frame, advance, frames, timers, state, updates: () => updates, time: () => t };
}

describe('ViewPacer', () => {
  it('runs at most one update per frame, however many changes and events', () => {
    const { pacer, frame, frames, updates } = setup();
    pacer.events();
    pacer.now();
    pacer.events();
    expect(frames.length).toBe(1);
    frame();
    expect(updates()).toBe(1);
    frame();
    expect(updates()).toBe(1);
  });

  it('does not pace cheap updates: events are shown at the next frame', () => {
    const { pacer, frame, timers, updates } = setup(PACE_ABOVE_MS);
    for (let i = 1; i <= 5; i++) {
      pacer.events();
      frame();
      expect(updates()).toBe(i);
    }
    expect(timers.length).toBe(0);
  });

  it('after a costly update, events wait RATIO times its cost from its end', () => {
    const { pacer, frame, advance, frames, timers, updates, time } = setup(100);
    pacer.events();
    frame();
    expect(updates()).toBe(1);
    const end = time();
    pacer.events();
    pacer.events();
    expect(frames.length).toBe(0);
    expect(timers.length).toBe(1);
    expect(timers[0]?.at).toBe(end + RATIO * 100);
    advance(end + RATIO * 100 - 1);
    expect(frames.length).toBe(0);
    advance(end + RATIO * 100);
    expect(frames.length).toBe(1);
    frame();
    expect(updates()).toBe(2);
  });

  it('keeps a costly stream within 1 / (1 + RATIO) of the time', () => {
    const { pacer, frame, advance, updates, time } = setup(50);
    // Events arrive every 5 ms for 10 s; frames run every 16 ms.
    for (let now = 0; now < 10_000; now += 5) {
      advance(now);
      pacer.events();
      if (now % 16 < 5) frame();
    }
    const busy = updates() * 50;
    expect(busy / time()).toBeLessThanOrEqual(1 / (1 + RATIO) + 0.01);
    // ...and still shows the stream regularly (not starved).
    expect(updates()).toBeGreaterThan(10_000 / (50 * (1 + RATIO)) - 5);
  });

  it('a change other than events is shown at the next frame, and takes a waiting event update with it', () => {
    const { pacer, frame, advance, frames, timers, updates, time } = setup(100);
    pacer.events();
    frame();
    pacer.events();
    expect(timers.length).toBe(1);
    pacer.now();
    expect(frames.length).toBe(1);
    frame();
    expect(updates()).toBe(2);
    // The superseded timer does nothing when it fires.
    advance(time() + 10 * RATIO * 100);
    expect(frames.length).toBe(0);
    expect(updates()).toBe(2);
  });

  it('measures the cost when the update is done (afterUpdate), and only pacing needs it', () => {
    let t = 0;
    const after: Array<() => void> = [];
    const frames: Array<() => void> = [];
    const pacer = new ViewPacer(
      {
        now: () => t,
        scheduleFrame: (fn) => void frames.push(fn),
        schedule: () => undefined,
        afterUpdate: (fn) => void after.push(fn),
      },
      () => {
        t += 5;
      },
    );
    pacer.events();
    frames.shift()?.();
    t += 40; // the UI's render, after the update's own work
    after.shift()?.();
    expect(pacer.cost).toBe(45);
  });
});
