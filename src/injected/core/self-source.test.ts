import { describe, expect, it } from 'vitest';
import { BUNDLE_FUNCTION_NAME, ownSource } from './self-source';

describe('ownSource', () => {
  it('is the wrapping function as a script that runs it', () => {
    const wrapped = function wasmMemoryInjected() {
      return 1;
    };
    const src = ownSource(wrapped);
    expect(src).toMatch(new RegExp(`^\\(function ${BUNDLE_FUNCTION_NAME}\\(\\) \\{[\\s\\S]*\\}\\)\\(\\);$`));
    expect(new Function(`return ${src!.slice(0, -1)}`)()).toBe(1);
  });
  it('is null when the bundle is not wrapped (unit tests, a build without the wrap step)', () => {
    expect(ownSource()).toBeNull();
    expect(ownSource(function other() {})).toBeNull();
    expect(ownSource(null)).toBeNull();
  });
});
