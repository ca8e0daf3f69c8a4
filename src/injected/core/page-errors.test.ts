import { describe, expect, it } from 'vitest';
import { LIMITS, type PageErrorEvent } from '../../shared/protocol';
import { describeReason, installPageErrors } from './page-errors';

// Node has Event and EventTarget; ErrorEvent and PromiseRejectionEvent are modelled with the
// browser's shape (read-only prototype getters).
class FakeErrorEvent extends Event {
  readonly #init: { message: string; filename: string; lineno: number; colno: number };
  constructor(type: string, init: { message: string; filename: string; lineno: number; colno: number }) {
    super(type, { cancelable: true });
    this.#init = init;
  }
  get message(): string {
    return this.#init.message;
  }
  get filename(): string {
    return this.#init.filename;
  }
  get lineno(): number {
    return this.#init.lineno;
  }
  get colno(): number {
    return this.#init.colno;
  }
}
class FakeRejectionEvent extends Event {
  readonly #reason: unknown;
  constructor(type: string, reason: unknown) {
    super(type, { cancelable: true });
    this.#reason = reason;
  }
  get reason(): unknown {
    return this.#reason;
  }
}

function harness(max?: number) {
  const g = new EventTarget() as unknown as typeof globalThis;
  Object.assign(g, { ErrorEvent: FakeErrorEvent, PromiseRejectionEvent: FakeRejectionEvent, Event });
  const events: PageErrorEvent[] = [];
  const failures: string[] = [];
  let now = 1000;
  const pe = installPageErrors({
    g,
    realm: 'r1',
    now: () => now++,
    emit: (e) => events.push(e),
    addListener: EventTarget.prototype.addEventListener as (...a: unknown[]) => unknown,
    fail: (w) => failures.push(w),
    max,
  });
  const target = g as unknown as EventTarget;
  return { g: target, pe, events, failures };
}

const err = (message = 'Uncaught Error: boom') =>
  new FakeErrorEvent('error', { message, filename: 'https://a.test/app.js', lineno: 3, colno: 7 });

describe('installPageErrors', () => {
  it('reports uncaught exceptions with their source, and leaves the event alone', () => {
    const h = harness();
    const ev = err();
    let pageSaw = 0;
    h.g.addEventListener('error', () => pageSaw++);
    h.g.dispatchEvent(ev);
    expect(h.events).toEqual([
      { t: 'page-error', time: 1000, realm: 'r1', kind: 'error', message: 'Uncaught Error: boom', source: 'https://a.test/app.js:3:7' },
    ]);
    expect(pageSaw).toBe(1);
    expect(ev.defaultPrevented).toBe(false);
  });

  it('ignores error events that are not ErrorEvents aimed at the global (resource failures)', () => {
    const h = harness();
    h.g.dispatchEvent(new Event('error'));
    const img = new EventTarget();
    img.dispatchEvent(err()); // not the global: our listener is not even reached
    expect(h.events).toEqual([]);
    expect(h.failures).toEqual([]);
  });

  it('reports unhandled rejections without running page code on the reason', () => {
    const h = harness();
    let getterRan = 0;
    const reason = new TypeError('bad import');
    Object.defineProperty(reason, 'cause', { get: () => getterRan++ });
    h.g.dispatchEvent(new FakeRejectionEvent('unhandledrejection', reason));
    const tricky = {
      get message() {
        getterRan++;
        return 'x';
      },
      toString() {
        getterRan++;
        return 'y';
      },
    };
    h.g.dispatchEvent(new FakeRejectionEvent('unhandledrejection', tricky));
    h.g.dispatchEvent(new FakeRejectionEvent('unhandledrejection', 42));
    expect(h.events.map((e) => [e.kind, e.message])).toEqual([
      ['rejection', 'Uncaught (in promise) TypeError: bad import'],
      ['rejection', 'Uncaught (in promise) an object'],
      ['rejection', 'Uncaught (in promise) 42'],
    ]);
    expect(getterRan).toBe(0);
  });

  it('reports failed WebAssembly calls', () => {
    const h = harness();
    h.pe.wasmFailed(
      'WebAssembly.instantiate',
      new WebAssembly.LinkError('WebAssembly.instantiate(): Import #0 "env" "f": function import requires a callable'),
    );
    expect(h.events).toEqual([
      {
        t: 'page-error',
        time: 1000,
        realm: 'r1',
        kind: 'wasm',
        source: 'WebAssembly.instantiate',
        message: 'LinkError: WebAssembly.instantiate(): Import #0 "env" "f": function import requires a callable',
      },
    ]);
  });

  it('cuts messages to LIMITS.maxString', () => {
    const h = harness();
    h.g.dispatchEvent(err('x'.repeat(LIMITS.maxString + 50)));
    expect(h.events[0]?.message.length).toBe(LIMITS.maxString);
  });

  it('sends the first `max` one by one, then only a cumulative count at most once per tick', () => {
    const h = harness(3);
    for (let i = 0; i < 10; i++) h.g.dispatchEvent(err(`Uncaught Error: ${i}`));
    expect(h.events.length).toBe(3);
    expect(h.pe.seen()).toBe(10);
    h.pe.tick();
    h.pe.tick(); // nothing new: nothing sent
    expect(h.events.length).toBe(4);
    expect(h.events[3]).toMatchObject({ kind: 'error', message: 'Uncaught Error: 9', skipped: 7 });
    h.pe.wasmFailed('WebAssembly.compile', new WebAssembly.CompileError('bad magic'));
    h.pe.tick();
    expect(h.events[4]).toMatchObject({ kind: 'wasm', message: 'CompileError: bad magic', source: 'WebAssembly.compile', skipped: 8 });
  });
});

describe('describeReason', () => {
  it('names errors, primitives and other objects', () => {
    expect(describeReason(new RangeError('r'))).toBe('RangeError: r');
    expect(describeReason('plain')).toBe('plain');
    expect(describeReason(undefined)).toBe('undefined');
    expect(describeReason(Symbol('s'))).toBe('Symbol(s)');
    expect(describeReason(null)).toBe('null');
    expect(describeReason({ name: 'Custom', message: 'm' })).toBe('Custom: m');
    expect(describeReason(() => 1)).toBe('a function'); // an arrow's own name is ''
  });
});
