/**
 * A page's BufferSource (ArrayBuffer, SharedArrayBuffer, typed array, DataView) as a Uint8Array
 * view of the same bytes, found with the getters saved when the bundle started (brand checks:
 * nothing the page patched later runs). Used to read module bytes before they are compiled.
 */
import { call, getPrototypeOf, savedGetter } from './intrinsics';

type Getter = ((this: unknown) => unknown) | undefined;

export class BufferSources {
  private readonly abByteLength: Getter;
  private sabByteLength: Getter;
  private readonly viewByteLength: Getter;
  private readonly viewBuffer: Getter;
  private readonly viewOffset: Getter;
  private readonly dvByteLength: Getter;
  private readonly dvBuffer: Getter;
  private readonly dvOffset: Getter;
  private readonly U8: typeof Uint8Array;

  constructor(g: typeof globalThis) {
    this.abByteLength = savedGetter(g.ArrayBuffer.prototype, 'byteLength');
    const sab = (g as { SharedArrayBuffer?: typeof SharedArrayBuffer }).SharedArrayBuffer;
    this.sabByteLength = sab ? savedGetter(sab.prototype, 'byteLength') : undefined;
    const typedProto = getPrototypeOf(g.Uint8Array.prototype) as object;
    this.viewByteLength = savedGetter(typedProto, 'byteLength');
    this.viewBuffer = savedGetter(typedProto, 'buffer');
    this.viewOffset = savedGetter(typedProto, 'byteOffset');
    this.dvByteLength = savedGetter(g.DataView.prototype, 'byteLength');
    this.dvBuffer = savedGetter(g.DataView.prototype, 'buffer');
    this.dvOffset = savedGetter(g.DataView.prototype, 'byteOffset');
    this.U8 = g.Uint8Array;
  }

  /** The saved SharedArrayBuffer byteLength getter (learned from a buffer when the realm hid it). */
  sharedByteLength(buffer: object): Getter {
    if (!this.sabByteLength) this.sabByteLength = savedGetter(getPrototypeOf(buffer) as object, 'byteLength');
    return this.sabByteLength;
  }

  get arrayBufferByteLength(): Getter {
    return this.abByteLength;
  }

  private is(g: Getter, source: unknown): boolean {
    if (!g) return false;
    try {
      call(g, source);
      return true;
    } catch (e) {
      void e; // not this kind of buffer source: expected
      return false;
    }
  }

  /** Byte length of a BufferSource (0 when it is not one). */
  byteLength(source: unknown): number {
    const v = this.view(source);
    return v ? v.length : 0;
  }

  /** A view of the bytes of a BufferSource, or undefined when it is not one. */
  view(source: unknown): Uint8Array | undefined {
    if (typeof source !== 'object' || source === null) return undefined;
    if (this.is(this.abByteLength, source) || this.is(this.sabByteLength, source)) return new this.U8(source as ArrayBuffer);
    if (this.viewBuffer && this.viewOffset && this.is(this.viewByteLength, source)) {
      return new this.U8(
        call<ArrayBuffer>(this.viewBuffer, source),
        call<number>(this.viewOffset, source),
        call<number>(this.viewByteLength!, source),
      );
    }
    if (this.dvBuffer && this.dvOffset && this.is(this.dvByteLength, source)) {
      return new this.U8(
        call<ArrayBuffer>(this.dvBuffer, source),
        call<number>(this.dvOffset, source),
        call<number>(this.dvByteLength!, source),
      );
    }
    return undefined;
  }
}
