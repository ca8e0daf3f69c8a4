import { describe, expect, it } from 'vitest';
import { observeFresh } from './promise';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('observeFresh', () => {
  it('sees the value before the page, adds no tick, leaves no own property', async () => {
    const run = async (observe: boolean) => {
      const log: string[] = [];
      const p = Promise.resolve(42);
      if (observe)
        observeFresh(
          p,
          (v) => log.push(`ours:${v}`),
          () => log.push('error'),
        );
      p.then(() => log.push('page'));
      void Promise.resolve()
        .then(() => log.push('m1'))
        .then(() => log.push('m2'));
      expect(Reflect.ownKeys(p)).toEqual([]);
      await settle();
      return log.filter((x) => !x.startsWith('ours'));
    };
    expect(await run(true)).toEqual(await run(false));
    const seen: number[] = [];
    const p = Promise.resolve(7);
    observeFresh(
      p,
      (v) => seen.push(v),
      () => undefined,
    );
    await p;
    expect(seen).toEqual([7]);
  });

  it('creates no derived promise that could reject unhandled; reports its own failures', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const rejected = Promise.reject(new Error('page error'));
      const reasons: unknown[] = [];
      observeFresh(
        rejected,
        () => undefined,
        () => undefined,
        (r) => reasons.push(r),
      );
      await rejected.catch(() => undefined);
      const failures: unknown[] = [];
      observeFresh(
        Promise.resolve(1),
        () => {
          throw new Error('bookkeeping bug');
        },
        (e) => failures.push(e),
      );
      await settle();
      await settle();
      expect(reasons).toHaveLength(1);
      expect(failures).toHaveLength(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
