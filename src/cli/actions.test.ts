import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionsFromModule, loadActions, runActions, runCycles, wait, type ActionsContext } from './actions';
import { UsageError } from './errors';

describe('actions scripts', () => {
  it('requires a default-exported function', () => {
    expect(() => actionsFromModule({}, 'a.mjs')).toThrow(/must `export default async function \(ctx\)/);
    expect(() => actionsFromModule({ default: 3 }, 'a.mjs')).toThrow(/default export is number/);
    expect(typeof actionsFromModule({ default: () => 1 }, 'a.mjs')).toBe('function');
  });

  it('loads a module from disk, and reports missing or broken ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-actions-'));
    try {
      writeFileSync(join(dir, 'ok.mjs'), 'export default async function (ctx) { await ctx.mark("m:" + ctx.url); }\n');
      writeFileSync(join(dir, 'syntax.mjs'), 'export default async function ( {\n');
      const fn = await loadActions('ok.mjs', dir);
      const marks: string[] = [];
      const ctx = { url: 'http://a/', mark: async (l: string) => void marks.push(l) } as unknown as ActionsContext;
      await runActions(fn, ctx, 'ok.mjs');
      expect(marks).toEqual(['m:http://a/']);
      await expect(loadActions('missing.mjs', dir)).rejects.toThrow(`actions script not found: ${join(dir, 'missing.mjs')}`);
      await expect(loadActions('syntax.mjs', dir)).rejects.toThrow(/actions script syntax.mjs failed to load/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns a failing script into a usage error naming it', async () => {
    const fn = actionsFromModule(
      {
        default: async () => {
          throw new Error('no #load button');
        },
      },
      'a.mjs',
    );
    const err = await runActions(fn, {} as ActionsContext, 'a.mjs').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('actions script a.mjs failed: no #load button');
  });

  it('wait() validates its argument', async () => {
    await expect(wait(-1)).rejects.toThrow(/expected a number >= 0/);
    await expect(wait(0)).resolves.toBeUndefined();
  });
});

describe('runCycles (load-act-repeat)', () => {
  it('runs each cycle, then collects garbage, marks and settles, in that order', async () => {
    const calls: string[] = [];
    await runCycles(3, {
      cycle: async (i) => void calls.push(`cycle ${i}`),
      collectGarbage: async () => (calls.push('gc'), calls.length !== 8),
      settle: async () => (calls.push('settle'), true),
      mark: async (l) => void calls.push(`mark ${l}`),
      log: (l) => void calls.push(`log ${l}`),
    });
    expect(calls).toEqual([
      'log cycle 1/3',
      'cycle 1',
      'gc',
      'mark wasm-memory: cycle 1/3',
      'settle',
      'log cycle 2/3',
      'cycle 2',
      'gc',
      'log warning: after cycle 2, what the forced garbage collections collected did not settle in time',
      'mark wasm-memory: cycle 2/3',
      'settle',
      'log cycle 3/3',
      'cycle 3',
      'gc',
      'mark wasm-memory: cycle 3/3',
      'settle',
    ]);
  });
});
