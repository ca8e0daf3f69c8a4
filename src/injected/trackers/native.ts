/**
 * Makes our replacement functions look like the built-ins they replace to
 * `Function.prototype.toString`, so that a hooked `FinalizationRegistry` prints exactly as the
 * original does (`function FinalizationRegistry() { [native code] }`).
 *
 * Composable: if something else (the core, or the page) already replaced
 * `Function.prototype.toString`, we wrap whatever is there and delegate to it for every
 * function that is not ours. Our own wrapper is disguised too.
 */

const fakes = new WeakMap<object, string>();
let installedOn: object | null = null;

/** Text a native function named `name` prints. */
export function nativeText(name: string): string {
  return `function ${name}() { [native code] }`;
}

/**
 * Register `fn` so that `Function.prototype.toString.call(fn)` returns `text`.
 * Installs the toString hook on `fnProto` (default: this realm's Function.prototype) once.
 */
export function disguise(fn: object, text: string, fnProto: { toString: unknown } = Function.prototype): void {
  fakes.set(fn, text);
  if (installedOn === fnProto) return;
  installedOn = fnProto;
  const previous = fnProto.toString as (this: unknown, ...args: unknown[]) => string;
  const apply = Reflect.apply;
  // A method definition: like the native, it has no `prototype` and is not a constructor.
  const replacement = {
    toString(this: unknown, ...args: unknown[]): string {
      if ((typeof this === 'function' || (typeof this === 'object' && this !== null))) {
        const fake = fakes.get(this);
        if (fake !== undefined) return fake;
      }
      return apply(previous, this, args);
    },
  }.toString;
  Object.defineProperty(replacement, 'length', { value: previous.length, configurable: true });
  fakes.set(replacement, nativeText('toString'));
  const d = Object.getOwnPropertyDescriptor(fnProto, 'toString');
  Object.defineProperty(fnProto, 'toString', {
    value: replacement,
    writable: d?.writable ?? true,
    enumerable: d?.enumerable ?? false,
    configurable: d?.configurable ?? true,
  });
}
