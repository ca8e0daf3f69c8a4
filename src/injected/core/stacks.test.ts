import { describe, expect, it } from 'vitest';
import { cleanStack, firstFrameUrl, frameUrl, ownerUrl, parseStack, topFrameIsOwn } from './stacks';

const OWN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/assets/index.iife.js';
const STACK = [
  'Error',
  `    at Object.construct (${OWN}:1:2345)`,
  `    at hook (${OWN}:1:99)`,
  '    at new Memory (<anonymous>)',
  '    at createWasm (https://app.example/static/glue.js:10:5)',
  '    at https://app.example/main.js:3:1',
  '    at eval (eval at run (https://app.example/evaluator.js:7:9), <anonymous>:1:1)',
].join('\n');

describe('stacks', () => {
  it('extracts frame URLs in every V8 shape', () => {
    expect(frameUrl('at f (https://a.b/c.js:1:2)')).toBe('https://a.b/c.js');
    expect(frameUrl('at https://a.b/c.js:1:2')).toBe('https://a.b/c.js');
    expect(frameUrl('at new Memory (<anonymous>)')).toBeNull();
    expect(frameUrl('at blob:https://a.b/1f2e-33:4:5')).toBe('blob:https://a.b/1f2e-33');
    expect(frameUrl('at async Promise.all (index 0)')).toBeNull();
    expect(frameUrl('at eval (eval at run (https://app.example/e.js:7:9), <anonymous>:1:1)')).toBe('https://app.example/e.js');
    expect(frameUrl('at eval (eval at evaluate (:370:30), <anonymous>:1:14)')).toBeNull();
  });

  it('parses frames and skips the message line', () => {
    const frames = parseStack(STACK);
    expect(frames).toHaveLength(6);
    expect(frames[0]?.url).toBe(OWN);
  });

  it('removes our own frames and bounds the result', () => {
    const s = cleanStack(STACK, [OWN], 4096);
    expect(s.split('\n')).toEqual([
      'at new Memory (<anonymous>)',
      'at createWasm (https://app.example/static/glue.js:10:5)',
      'at https://app.example/main.js:3:1',
      'at eval (eval at run (https://app.example/evaluator.js:7:9), <anonymous>:1:1)',
    ]);
    const short = cleanStack(STACK, [OWN], 60);
    expect(short.length).toBeLessThanOrEqual(60);
    expect(short).toBe('at new Memory (<anonymous>)');
  });

  it("shows the page's blob: URL for frames of our copy of its worker script", () => {
    const copy = 'blob:https://app.example/our-copy';
    const page = 'blob:https://app.example/page-made';
    const stack = `Error\n    at ${OWN}:1:1\n    at start (${copy}:4:7)\n    at https://app.example/lib.js:1:1`;
    expect(cleanStack(stack, [OWN], 4096, { from: copy, to: page }).split('\n')).toEqual([
      `at start (${page}:4:7)`,
      'at https://app.example/lib.js:1:1',
    ]);
    expect(cleanStack(stack, [OWN], 4096)).toContain(copy);
  });

  it('finds the owner: first non-extension script, else the fallback', () => {
    expect(ownerUrl(STACK, [OWN], 'https://doc/')).toBe('https://app.example/static/glue.js');
    expect(ownerUrl(`Error\n    at x (${OWN}:1:1)\n    at y (chrome-extension://zzzz/other.js:1:1)`, [OWN], 'https://doc/')).toBe(
      'https://doc/',
    );
  });

  it('knows our own URL and whether the top frame is ours', () => {
    expect(firstFrameUrl(STACK)).toBe(OWN);
    expect(topFrameIsOwn(STACK, [OWN])).toBe(true);
    expect(topFrameIsOwn('TypeError: x\n    at page (https://a/b.js:1:1)\n' + `    at c (${OWN}:1:1)`, [OWN])).toBe(false);
  });
});
