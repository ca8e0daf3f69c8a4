/**
 * When the panel recomputes and re-renders its view (pure: clock and schedulers are given, so
 * it is unit-tested with fakes).
 *
 * Every change is shown at the next frame, and at most one view update runs per frame. New
 * events alone (the stream) are paced by what the last update cost: when it took more than
 * `PACE_ABOVE_MS`, the next one for events waits until `RATIO` times that cost has passed since
 * it ended, so while a flood streams in, view updates take at most 1 / (1 + RATIO) of the main
 * thread and the rest goes to input, the port's messages and the page's other work. A cheap
 * update (the usual case) paces nothing. Anything else (the user's actions, connection state,
 * settings, imports) is shown at the next frame, and takes a waiting event update with it.
 */

/** Updates cheaper than this (ms) are not paced: one per frame. */
export const PACE_ABOVE_MS = 8;
/** After a costlier update, events wait this many times its cost before the next one. */
export const RATIO = 3;

export interface PacerDeps {
  /** Monotonic milliseconds (performance.now). */
  now(): number;
  /** Run `fn` at the next frame (requestAnimationFrame with a timer fallback). */
  scheduleFrame(fn: () => void): void;
  /** Run `fn` after `ms` (setTimeout). */
  schedule(fn: () => void, ms: number): void;
  /** Run `fn` once the update's synchronous consequences are done (queueMicrotask: after the
   *  UI library's own microtask render); default: at once. */
  afterUpdate?(fn: () => void): void;
}

export class ViewPacer {
  private framePending = false;
  /** A paced event update is waiting on a timer (its token, to ignore it once superseded). */
  private timer = 0;
  private timerToken = 0;
  /** End time and cost of the last update. */
  private lastEnd = -Infinity;
  private lastCost = 0;

  constructor(
    private readonly deps: PacerDeps,
    private readonly update: () => void,
  ) {}

  /** Something other than new events changed: show it at the next frame. */
  now(): void {
    this.timerToken = 0;
    this.frame();
  }

  /** New events arrived: show them at the next frame, or later when updates are costly. */
  events(): void {
    if (this.framePending || this.timerToken !== 0) return;
    const wait = this.lastCost > PACE_ABOVE_MS ? this.lastEnd + RATIO * this.lastCost - this.deps.now() : 0;
    if (wait <= 0) {
      this.frame();
      return;
    }
    const token = ++this.timer;
    this.timerToken = token;
    this.deps.schedule(() => {
      if (this.timerToken !== token) return;
      this.timerToken = 0;
      this.frame();
    }, wait);
  }

  /** The last update's cost in ms (for tests and diagnostics). */
  get cost(): number {
    return this.lastCost;
  }

  private frame(): void {
    if (this.framePending) return;
    this.framePending = true;
    this.deps.scheduleFrame(() => this.run());
  }

  private run(): void {
    this.framePending = false;
    this.timerToken = 0;
    const start = this.deps.now();
    try {
      this.update();
    } finally {
      const done = () => {
        this.lastEnd = this.deps.now();
        this.lastCost = this.lastEnd - start;
      };
      if (this.deps.afterUpdate) this.deps.afterUpdate(done);
      else done();
    }
  }
}
