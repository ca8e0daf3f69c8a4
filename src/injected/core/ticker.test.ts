import { describe, expect, it } from 'vitest';
import { CALM_TICK_MS, IDLE_TICK_MS, QUIET_TICKS, TICK_MS, Ticker } from './ticker';

function harness() {
  const live = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  let busy = false;
  let ticks = 0;
  const ticker = new Ticker(
    {
      setInterval: (fn: () => void, ms: number) => {
        live.set(next, { fn, ms });
        return next++;
      },
      clearInterval: (h: unknown) => void live.delete(h as number),
    },
    () => {
      ticks++;
      return busy;
    },
  );
  const timers = () => [...live.values()].map((x) => x.ms);
  const fire = (n = 1) => {
    for (let i = 0; i < n; i++) [...live.values()][0]!.fn();
  };
  return { ticker, timers, fire, setBusy: (b: boolean) => void (busy = b), ticks: () => ticks };
}

describe('Ticker', () => {
  it('starts idle: one timer at the idle rate, and busy ticks alone do not wake it', () => {
    const h = harness();
    expect(h.timers()).toEqual([IDLE_TICK_MS]);
    h.setBusy(true);
    h.fire(3);
    expect(h.ticks()).toBe(3);
    expect(h.ticker.state).toBe('idle');
  });

  it('wake() replaces the idle timer by one at the full rate', () => {
    const h = harness();
    h.ticker.wake();
    h.ticker.wake();
    expect(h.timers()).toEqual([TICK_MS]);
    expect(h.ticker.state).toBe('fast');
  });

  it('calms down after QUIET_TICKS quiet ticks, and a busy tick or wake() speeds it up again', () => {
    const h = harness();
    h.ticker.wake();
    h.fire(QUIET_TICKS - 1);
    expect(h.ticker.state).toBe('fast');
    h.fire(1);
    expect(h.ticker.state).toBe('calm');
    expect(h.timers()).toEqual([CALM_TICK_MS]);
    h.setBusy(true);
    h.fire(1);
    expect(h.timers()).toEqual([TICK_MS]);
    // a busy tick resets the quiet count
    h.fire(QUIET_TICKS * 2);
    expect(h.ticker.state).toBe('fast');
    h.setBusy(false);
    h.fire(QUIET_TICKS);
    expect(h.ticker.state).toBe('calm');
    h.ticker.wake();
    expect(h.timers()).toEqual([TICK_MS]);
  });

  it("setFastRate (the user's sampling rate): the busy timer at that interval, calm never faster", () => {
    const { ticker, timers, fire } = harness();
    ticker.setFastRate(1000);
    expect(timers()).toEqual([IDLE_TICK_MS]); // idle stays idle
    ticker.wake();
    expect(timers()).toEqual([1000]);
    expect(ticker.rate).toBe(1000);
    fire(QUIET_TICKS);
    expect(ticker.state).toBe('calm');
    expect(timers()).toEqual([1000]);
    ticker.setFastRate(250);
    expect(timers()).toEqual([CALM_TICK_MS]);
    ticker.wake();
    expect(timers()).toEqual([250]);
  });
});
