/** Realm ids and object keys (`${realm}:${n}`, unique within a tab without coordination). */
import type { ObjectKey, RealmId } from '../../shared/protocol';

/** 12 hex characters from `random` (crypto.getRandomValues in the page). */
export function newRealmId(random: (bytes: Uint8Array) => void): RealmId {
  const b = new Uint8Array(6);
  random(b);
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

export class KeyAllocator {
  private n = 0;
  constructor(readonly realm: RealmId) {}
  next(): ObjectKey {
    this.n += 1;
    return `${this.realm}:${this.n}`;
  }
}
