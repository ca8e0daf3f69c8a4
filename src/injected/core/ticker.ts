/**
 * The sampling timer, at three rates. Timer wakeups are not free: in headless Chromium 156 an
 * empty 100 ms `setInterval` alone costs a page about 2.8 ms of main-thread CPU per second.
 *
 * - IDLE (1 s): a realm starts here. Enough to notice a page that only publishes a pull registry
 *   (docs/PAGE-API.md). Most frames and workers never use WebAssembly; with a 100 ms timer from
 *   the start each of them paid about 3 ms of CPU per second (measured on a blank page: 3.45 ms/s
 *   with the extension, 0.19 ms/s without; 0.6 ms/s with this idle rate).
 * - FAST (100 ms): from the first sign of work (a WebAssembly module, instance or memory event,
 *   a pushed registry or mark, a pull registry found: `wake()`), and whenever a tick finds
 *   something changed (a memory's size, a tracker's counters).
 * - CALM (500 ms): after QUIET_TICKS fast ticks in a row found nothing changed. The first change
 *   after a quiet spell is seen up to 500 ms late (with its own time), then FAST again.
 *
 * Pure: the timer functions are injected; `tick()` says whether it found anything changed.
 */
export const TICK_MS = 100;
export const CALM_TICK_MS = 500;
export const IDLE_TICK_MS = 1000;
export const QUIET_TICKS = 20;

export interface TickerDeps {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type TickerState = 'idle' | 'fast' | 'calm';

export class Ticker {
  private handle: unknown;
  private current: TickerState = 'idle';
  private quiet = 0;
  private readonly rates: Record<TickerState, number> = { idle: IDLE_TICK_MS, fast: TICK_MS, calm: CALM_TICK_MS };

  constructor(
    private readonly deps: TickerDeps,
    private readonly tick: () => boolean,
  ) {
    this.handle = deps.setInterval(() => this.run(), IDLE_TICK_MS);
  }

  get state(): TickerState {
    return this.current;
  }

  get rate(): number {
    return this.rates[this.current];
  }

  /**
   * The user's sampling rate: the busy interval becomes `ms` (the calm one never faster than it).
   * Applies at once when not idle.
   */
  setFastRate(ms: number): void {
    this.rates.fast = ms;
    this.rates.calm = Math.max(CALM_TICK_MS, ms);
    if (this.current !== 'idle') this.set(this.current);
  }

  /** There is work: tick at the full rate (a branch when already there). */
  wake(): void {
    this.quiet = 0;
    if (this.current !== 'fast') this.set('fast');
  }

  private run(): void {
    const busy = this.tick();
    if (this.current === 'idle') return;
    if (busy) this.wake();
    else if (this.current === 'fast' && ++this.quiet >= QUIET_TICKS) this.set('calm');
  }

  private set(state: TickerState): void {
    this.current = state;
    this.deps.clearInterval(this.handle);
    this.handle = this.deps.setInterval(() => this.run(), this.rates[state]);
  }
}
