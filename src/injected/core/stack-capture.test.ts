import { afterEach, describe, expect, it } from 'vitest';
import { CAPTURE_FRAMES, stackTaker } from './stack-capture';
import { firstFrameUrl } from './stacks';

type E = ErrorConstructor & { prepareStackTrace?: unknown; stackTraceLimit: number };
const Err = Error as E;
const savedLimit = Err.stackTraceLimit;
const savedPrepare = Object.getOwnPropertyDescriptor(Err, 'prepareStackTrace'); // Node's own, if any

afterEach(() => {
  Reflect.deleteProperty(Err, 'prepareStackTrace');
  if (savedPrepare) Object.defineProperty(Err, 'prepareStackTrace', savedPrepare);
  Err.stackTraceLimit = savedLimit;
});

function deep(n: number, f: () => unknown): unknown {
  return n === 0 ? f() : [deep(n - 1, f)][0];
}

describe('stackTaker', () => {
  const taker = stackTaker(Error, [], 100_000);

  it('later() captures the frames of the moment of the call, formatted on first use, once', () => {
    const stack = deep(3, function pageCreatesAnObject() {
      return taker.later();
    }) as () => string;
    const text = stack();
    expect(text).toMatch(/pageCreatesAnObject/);
    expect(text.split('\n').filter((l) => / deep /.test(l))).toHaveLength(4); // n = 3, 2, 1, 0
    expect(stack()).toBe(text);
  });

  it('captures CAPTURE_FRAMES frames whatever the page set, and leaves its stackTraceLimit alone', () => {
    Err.stackTraceLimit = 2;
    const now = deep(60, () => taker.now()) as string;
    const later = deep(60, () => taker.later()) as () => string;
    expect(Err.stackTraceLimit).toBe(2);
    expect(now.split('\n')).toHaveLength(CAPTURE_FRAMES);
    expect(later().split('\n')).toHaveLength(CAPTURE_FRAMES);
  });

  it("never calls the page's Error.prepareStackTrace, installed before the capture or before the formatting", () => {
    let calls = 0;
    const prepare = () => {
      calls++;
      return 'page format';
    };
    Reflect.deleteProperty(Err, 'prepareStackTrace');
    Err.prepareStackTrace = prepare;
    const capturedUnder = taker.later();
    expect(taker.now()).toMatch(/^at /);
    Reflect.deleteProperty(Err, 'prepareStackTrace');
    const formattedUnder = taker.later();
    Err.prepareStackTrace = prepare;
    expect(capturedUnder()).toMatch(/^at /);
    expect(formattedUnder()).toMatch(/^at /);
    expect(calls).toBe(0);
    expect(Err.prepareStackTrace).toBe(prepare); // put back
    expect(new Error('x').stack).toBe('page format'); // and still the page's for its own errors
    expect(calls).toBe(1);
  });

  it('removes our own frames by script URL and bounds the text', () => {
    const own = firstFrameUrl(taker.raw()); // what the core does: the top frame is the capture's
    expect(own).toMatch(/stack-capture/);
    const mine = stackTaker(Error, [own!], 100_000);
    expect(mine.now()).not.toContain(own!);
    expect(mine.later()()).not.toContain(own!);
    const short = stackTaker(Error, [], 30);
    expect(short.later()().length).toBeLessThanOrEqual(30);
  });
});
