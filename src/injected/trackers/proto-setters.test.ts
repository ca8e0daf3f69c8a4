import { describe, expect, it } from 'vitest';
import { installProtoSetter } from './proto-setters';

describe('installProtoSetter', () => {
  it('first assignment becomes an ordinary own data property, and is reported once', () => {
    class Base {}
    const seen: Array<[object, unknown]> = [];
    expect(installProtoSetter(Base.prototype, 'ptr', (o, v) => seen.push([o, v]))).toBe(true);
    class A extends Base {
      declare ptr: number;
    }
    const a = new A();
    expect(a.ptr).toBeUndefined();
    a.ptr = 5;
    a.ptr = 6;
    expect(a.ptr).toBe(6);
    expect(Object.getOwnPropertyDescriptor(a, 'ptr')).toEqual({ value: 6, writable: true, enumerable: true, configurable: true });
    expect(Object.keys(a)).toEqual(['ptr']);
    expect(JSON.stringify(a)).toBe('{"ptr":6}');
    expect(seen).toEqual([[a, 5]]);
    const b = Object.assign(new A(), { ptr: 9 });
    expect(b.ptr).toBe(9);
    expect(seen).toHaveLength(2);
  });

  it('never throws into the page, and leaves frozen objects alone', () => {
    class Base {}
    installProtoSetter(Base.prototype, 'x', () => {
      throw new Error('tracker bug');
    });
    const o = new Base() as Base & { x?: number };
    const debug = console.debug;
    console.debug = () => undefined;
    try {
      o.x = 1;
    } finally {
      console.debug = debug;
    }
    expect(o.x).toBe(1);
    const frozen = Object.freeze(new Base()) as Base & { x?: number };
    Reflect.set(frozen, 'x', 2);
    expect(Object.getOwnPropertyDescriptor(frozen, 'x')).toBeUndefined();
  });

  it('does not replace an existing property', () => {
    const proto = { ptr: 1 };
    expect(installProtoSetter(proto, 'ptr', () => undefined)).toBe(false);
  });
});
