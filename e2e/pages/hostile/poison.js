/*
 * poison.js: a hostile page's first script (a <script src> in a window, importScripts() first
 * thing in a worker). It replaces the methods of Array, Map, Set, WeakMap, WeakSet, Promise,
 * Function.prototype.call/apply/bind and JSON, and the iterators of arrays, maps and sets, with
 * tripwires: a tripwire records its name and the caller's stack, then throws "tampered".
 *
 * The page's own code keeps the originals it needs in `hostile` and never touches a replaced
 * method (no for...of, spread or array destructuring either), so a run WITHOUT the extension
 * trips nothing: any trip with the extension loaded is the extension's.
 *
 *   hostile.trips           [{ name, stack }] in call order
 *   hostile.onTrip(fn)      fn({ name, stack }) on every trip (the page shows them)
 *   hostile.apply, .then, .stringify, .parse, .ownKeys   saved originals
 */
(function (root) {
  'use strict';
  const R = Reflect;
  const apply = R.apply;
  const ownKeys = R.ownKeys;
  const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;
  const defineProperty = R.defineProperty;
  const getPrototypeOf = R.getPrototypeOf;
  const ErrorC = Error;
  const StringC = String;
  const symbolDescription = getOwnPropertyDescriptor(Symbol.prototype, 'description').get;
  const saved = {
    apply,
    then: Promise.prototype.then,
    stringify: JSON.stringify,
    parse: JSON.parse,
    ownKeys,
  };
  const trips = [];
  const listeners = [];

  function tripwire(name) {
    return function () {
      const trip = { name, stack: StringC(new ErrorC('tripwire ' + name).stack) };
      trips[trips.length] = trip;
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i](trip);
        } catch (e) {
          void e; // a listener's failure must not hide the trip
        }
      }
      throw new ErrorC('tampered: ' + name);
    };
  }

  /** Replace every configurable method and accessor of `obj` (but its constructor) by a tripwire. */
  function poison(obj, label) {
    const keys = ownKeys(obj);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === 'constructor' || k === 'prototype' || k === 'length' || k === 'name') continue;
      const d = getOwnPropertyDescriptor(obj, k);
      if (!d || !d.configurable) continue;
      const key = typeof k === 'symbol' ? '[' + apply(symbolDescription, k, []) + ']' : k;
      if (typeof d.value === 'function') {
        defineProperty(obj, k, { value: tripwire(label + '.' + key), writable: d.writable, enumerable: d.enumerable, configurable: true });
      } else if (typeof d.get === 'function') {
        defineProperty(obj, k, { get: tripwire(label + '.' + key), set: d.set, enumerable: d.enumerable, configurable: true });
      }
    }
  }

  // Iterator prototypes, found before anything is replaced.
  const arrayIterator = getPrototypeOf([][Symbol.iterator]());
  const mapIterator = getPrototypeOf(new Map()[Symbol.iterator]());
  const setIterator = getPrototypeOf(new Set()[Symbol.iterator]());

  const targets = [
    [Array, 'Array'],
    [Array.prototype, 'Array.prototype'],
    [arrayIterator, '%ArrayIteratorPrototype%'],
    [Map, 'Map'],
    [Map.prototype, 'Map.prototype'],
    [mapIterator, '%MapIteratorPrototype%'],
    [Set, 'Set'],
    [Set.prototype, 'Set.prototype'],
    [setIterator, '%SetIteratorPrototype%'],
    [WeakMap.prototype, 'WeakMap.prototype'],
    [WeakSet.prototype, 'WeakSet.prototype'],
    [Promise, 'Promise'],
    [Promise.prototype, 'Promise.prototype'],
    [JSON, 'JSON'],
  ];
  for (let i = 0; i < targets.length; i++) poison(targets[i][0], targets[i][1]);
  const F = Function.prototype;
  const fnKeys = ['call', 'apply', 'bind'];
  for (let i = 0; i < fnKeys.length; i++) {
    defineProperty(F, fnKeys[i], { value: tripwire('Function.prototype.' + fnKeys[i]), writable: true, enumerable: false, configurable: true });
  }

  root.hostile = {
    ...saved,
    trips,
    onTrip(fn) {
      listeners[listeners.length] = fn;
    },
  };
})(globalThis);
