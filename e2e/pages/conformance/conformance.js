// The conformance battery: observations of WebAssembly, FinalizationRegistry, Worker and
// Function.prototype.toString behaviour, as plain JSON. e2e/conformance.spec.ts runs it with and
// without the extension and requires deep equality. Everything here must be deterministic.
(() => {
  const F = globalThis.wasmFixtures;
  const fp = Function.prototype.toString;
  const toStr = (f) => { try { return fp.call(f); } catch (e) { return 'throws ' + e.name; } };

  function describeDescriptor(d) {
    if (!d) return null;
    const out = { enumerable: d.enumerable, configurable: d.configurable };
    if ('value' in d) { out.kind = 'data'; out.writable = d.writable; out.type = typeof d.value; }
    else { out.kind = 'accessor'; out.get = d.get ? describeFunction(d.get) : null; out.set = d.set ? describeFunction(d.set) : null; }
    return out;
  }
  function describeFunction(f) {
    if (typeof f !== 'function') return { type: typeof f };
    const own = Reflect.ownKeys(f).map(String).sort();
    return {
      name: f.name,
      length: f.length,
      toString: toStr(f),
      string: String(f),
      own,
      ownDescriptors: Object.fromEntries(own.filter((k) => k !== 'prototype').map((k) => [k, describeDescriptor(Object.getOwnPropertyDescriptor(f, k))])),
      protoIsFunctionProto: Object.getPrototypeOf(f) === Function.prototype,
      hasPrototype: 'prototype' in f,
      prototypeDescriptor: describeDescriptor(Object.getOwnPropertyDescriptor(f, 'prototype')),
      prototypeConstructorIsSelf: f.prototype ? f.prototype.constructor === f : null,
      isConstructor: (() => { try { Reflect.construct(String, [], f); return true; } catch { return false; } })(),
    };
  }
  function describeObject(o) {
    const keys = Reflect.ownKeys(o).sort((a, b) => String(a) < String(b) ? -1 : 1);
    return Object.fromEntries(keys.map((k) => [String(k), describeDescriptor(Object.getOwnPropertyDescriptor(o, k))]));
  }
  function describeError(e) {
    if (!(e instanceof Object)) return { thrown: String(e) };
    return {
      name: e.name,
      message: e.message,
      ctor: e.constructor && e.constructor.name,
      isTypeError: e instanceof TypeError,
      isRangeError: e instanceof RangeError,
      isCompile: e instanceof WebAssembly.CompileError,
      isLink: e instanceof WebAssembly.LinkError,
      stack: e.stack,
      ownKeys: Reflect.ownKeys(e).map(String),
      stackDescriptor: describeDescriptor(Object.getOwnPropertyDescriptor(e, 'stack')),
    };
  }
  function attempt(fn) {
    try { const v = fn(); return { ok: summarize(v) }; } catch (e) { return { error: describeError(e) }; }
  }
  async function attemptAsync(fn) {
    try { const v = await fn(); return { ok: summarize(v) }; } catch (e) { return { error: describeError(e) }; }
  }
  function summarize(v) {
    if (v === null || typeof v !== 'object' && typeof v !== 'function') return v;
    if (v instanceof WebAssembly.Memory) return { memory: v.buffer.byteLength, proto: Object.getPrototypeOf(v) === WebAssembly.Memory.prototype };
    if (v instanceof WebAssembly.Instance) return { instance: Object.keys(v.exports) };
    if (v instanceof WebAssembly.Module) return { module: WebAssembly.Module.exports(v).map((e) => e.name + ':' + e.kind) };
    if (Array.isArray(v)) return v.map(summarize);
    if (typeof v === 'function') return { fn: v.name };
    return Object.fromEntries(Object.keys(v).map((k) => [k, summarize(v[k])]));
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));

  async function run() {
    const step = (s) => { window.__confStep = s; };
    const o = {};
    const WA = WebAssembly;
    const bytes = F.exportedMemory({ name: 'memory', initial: 1, maximum: 4 });
    const mod = new WA.Module(bytes);

    // --- shapes of everything we hook (and some we do not) ---------------------------------
    o.webAssembly = describeObject(WA);
    o.toStringTag = Object.prototype.toString.call(WA);
    o.functions = {};
    for (const k of ['Memory', 'Module', 'Instance', 'Table', 'Global', 'instantiate', 'instantiateStreaming', 'compile', 'compileStreaming', 'validate', 'CompileError', 'LinkError', 'RuntimeError']) {
      o.functions[k] = describeFunction(WA[k]);
    }
    o.memoryProto = describeObject(WA.Memory.prototype);
    o.instanceProto = describeObject(WA.Instance.prototype);
    o.moduleProto = describeObject(WA.Module.prototype);
    o.moduleStatics = describeFunction(WA.Module.exports);
    o.grow = describeFunction(WA.Memory.prototype.grow);
    o.exportsGetter = describeFunction(Object.getOwnPropertyDescriptor(WA.Instance.prototype, 'exports').get);
    o.functionToString = describeFunction(Function.prototype.toString);
    o.functionProtoToStringDescriptor = describeDescriptor(Object.getOwnPropertyDescriptor(Function.prototype, 'toString'));
    o.finalizationRegistry = describeFunction(FinalizationRegistry);
    o.finalizationRegistryProto = describeObject(FinalizationRegistry.prototype);
    o.weakRef = describeFunction(WeakRef);
    o.worker = describeFunction(Worker);
    o.workerProto = describeObject(Worker.prototype);
    o.promiseThen = describeFunction(Promise.prototype.then);
    o.globalDescriptors = Object.fromEntries(['WebAssembly', 'Worker', 'FinalizationRegistry', 'WeakRef', 'Promise', 'fetch', 'Function'].map((k) => [k, describeDescriptor(Object.getOwnPropertyDescriptor(globalThis, k))]));
    o.globalNames = Object.getOwnPropertyNames(globalThis).sort();
    // The trackers' pointer-field watches go on Object.prototype only once a wasm-bindgen or
    // Emscripten module is instantiated: this page has neither, so nothing may show.
    o.objectProtoNames = Object.getOwnPropertyNames(Object.prototype).sort();
    o.ptrInPlainObject = ['ptr', '__wbg_ptr', '_malloc'].map((k) => k in {});
    o.globalSymbols = Object.getOwnPropertySymbols(globalThis).map(String);
    o.toStringOfToStringOnProxyCheck = toStr(new Proxy(function named() {}, {}));

    // --- a same-origin about:blank frame, used synchronously (hooked or not, it must look native)
    {
      const f = document.createElement('iframe');
      document.body.appendChild(f);
      const W = f.contentWindow;
      const mine = Function.prototype.toString;
      const theirs = W.Function.prototype.toString;
      o.frame = {
        crossToString: [W.WebAssembly.Memory, W.WebAssembly.instantiate, W.WebAssembly.Memory.prototype.grow, theirs, W.Worker, W.FinalizationRegistry].map((fn) => mine.call(fn)),
        ownToString: [W.WebAssembly.Memory, theirs, W.Worker].map((fn) => theirs.call(fn)),
        reverse: theirs.call(WebAssembly.Memory),
        memory: attempt(() => new W.WebAssembly.Memory({ initial: 1 }).buffer.byteLength),
        instanceofCross: new W.WebAssembly.Memory({ initial: 0 }) instanceof WebAssembly.Memory,
        error: attempt(() => new W.WebAssembly.Memory({ initial: -1 })),
      };
      f.remove();
    }

    // --- constructors: new, without new, bad arguments, subclassing, instanceof ---------------
    o.memory = {
      ok: attempt(() => new WA.Memory({ initial: 1, maximum: 2 })),
      withoutNew: attempt(() => WA.Memory({ initial: 1 })),
      noArgs: attempt(() => new WA.Memory()),
      badInitial: attempt(() => new WA.Memory({ initial: -1 })),
      initialOverMax: attempt(() => new WA.Memory({ initial: 3, maximum: 2 })),
      sharedNoMax: attempt(() => new WA.Memory({ initial: 1, shared: true })),
      ctorIdentity: new WA.Memory({ initial: 0 }).constructor === WA.Memory,
      instanceOf: new WA.Memory({ initial: 0 }) instanceof WA.Memory,
      reflectConstruct: attempt(() => Reflect.construct(WA.Memory, [{ initial: 1 }], Array) instanceof Array),
      getterCount: (() => { let n = 0; const d = { get initial() { n++; return 1; } }; new WA.Memory(d); return n; })(),
      // Hundreds of throwaway memories in ONE synchronous job: each reserves gigabytes of address
      // space, so this only works if the GC can free the dropped ones mid-loop (nothing of ours
      // may keep them alive until the job ends).
      throwaway: attempt(() => { let n = 0; for (let i = 0; i < 400; i++) n += new WA.Memory({ initial: 1 }).buffer.byteLength; return n; }),
    };
    class SubMemory extends WA.Memory { hello() { return 'hi ' + this.buffer.byteLength; } }
    class SubInstance extends WA.Instance {}
    class SubModule extends WA.Module {}
    o.subclass = {
      memory: attempt(() => { const m = new SubMemory({ initial: 1 }); return [m instanceof SubMemory, m instanceof WA.Memory, m.hello(), Object.getPrototypeOf(SubMemory) === WA.Memory, m.constructor === SubMemory]; }),
      instance: attempt(() => { const i = new SubInstance(mod); return [i instanceof SubInstance, i instanceof WA.Instance, Object.keys(i.exports)]; }),
      module: attempt(() => { const m = new SubModule(bytes); return [m instanceof SubModule, m instanceof WA.Module]; }),
      superWithoutNew: attempt(() => SubMemory({ initial: 1 })),
    };
    o.module = {
      bad: attempt(() => new WA.Module(new Uint8Array([0, 1, 2]))),
      notBytes: attempt(() => new WA.Module(42)),
      withoutNew: attempt(() => WA.Module(bytes)),
    };
    o.instance = {
      missingImports: attempt(() => new WA.Instance(new WA.Module(F.importedMemory({})))),
      wrongImport: attempt(() => new WA.Instance(new WA.Module(F.importedMemory({})), { env: { memory: 5 } })),
      notModule: attempt(() => new WA.Instance({})),
      exportsFrozen: Object.isFrozen(new WA.Instance(mod).exports),
      exportsIdentity: (() => { const i = new WA.Instance(mod); return i.exports === i.exports; })(),
      exportsOnNonInstance: attempt(() => Object.getOwnPropertyDescriptor(WA.Instance.prototype, 'exports').get.call({})),
      exportsOnProto: attempt(() => WA.Instance.prototype.exports),
    };

    // --- exports that trackers may replace (wasm-bindgen free export, allocator names) ----------
    // Only with ?trackers=1: a separate comparison (e2e/conformance.spec.ts) for the trackers' part.
    if (new URLSearchParams(location.search).has('trackers')) {
      const describeExports = (ex) => ({
        keys: Object.keys(ex),
        frozen: Object.isFrozen(ex),
        proto: Object.getPrototypeOf(ex),
        fns: Object.fromEntries(Object.keys(ex).filter((k) => typeof ex[k] === 'function').map((k) => [k, {
          ...describeFunction(ex[k]),
          same: ex[k] === ex[k],
          result: attempt(() => ex[k](6)),
          descriptor: describeDescriptor(Object.getOwnPropertyDescriptor(ex, k)),
        }])),
      });
      const bindgenLike = F.exportedMemory({ initial: 1, extraExports: ['__wbg_foo_free', '__wbindgen_malloc', '__wbindgen_free'] });
      const emscriptenLike = F.exportedMemory({ initial: 1, extraExports: ['malloc', 'free', 'stackSave', 'stackRestore', 'emscripten_stack_init'] });
      const a = new WA.Instance(new WA.Module(bindgenLike));
      const b = (await WA.instantiate(emscriptenLike)).instance;
      o.replaceableExports = {
        bindgen: describeExports(a.exports),
        emscripten: describeExports(b.exports),
        identity: a.exports === a.exports,
        getterAfter: describeFunction(Object.getOwnPropertyDescriptor(WA.Instance.prototype, 'exports').get),
      };
    }

    // --- grow from JS ----------------------------------------------------------------------
    const gm = new WA.Memory({ initial: 1, maximum: 3 });
    o.growJs = {
      first: attempt(() => gm.grow(1)),
      zero: attempt(() => gm.grow(0)),
      beyondMax: attempt(() => gm.grow(5)),
      negative: attempt(() => gm.grow(-1)),
      onNonMemory: attempt(() => WA.Memory.prototype.grow.call({}, 1)),
      detached: (() => { const b = gm.buffer; gm.grow(1); return b.byteLength; })(),
      size: gm.buffer.byteLength,
      viaInstance: (() => { const i = new WA.Instance(mod); return [i.exports.grow(2), i.exports.memory.buffer.byteLength, i.exports.grow(9)]; })(),
    };

    // --- promises: results, errors, and ordering against other microtasks ---------------------
    step('promises');
    o.promises = {};
    {
      const p = WA.instantiate(mod);
      o.promises.shape = {
        isPromise: p instanceof Promise,
        ctor: p.constructor === Promise,
        ownKeys: Reflect.ownKeys(p).map(String),
        proto: Object.getPrototypeOf(p) === Promise.prototype,
      };
      await p;
    }
    o.promises.instantiateBytes = await attemptAsync(() => WA.instantiate(bytes));
    o.promises.instantiateBytesResultShape = await (async () => { const r = await WA.instantiate(bytes); return [Object.keys(r), Object.getPrototypeOf(r) === Object.prototype, r.instance instanceof WA.Instance, r.module instanceof WA.Module]; })();
    o.promises.instantiateModule = await attemptAsync(() => WA.instantiate(mod));
    o.promises.instantiateBad = await attemptAsync(() => WA.instantiate(new Uint8Array([1, 2, 3])));
    o.promises.instantiateNothing = await attemptAsync(() => WA.instantiate());
    o.promises.instantiateLink = await attemptAsync(() => WA.instantiate(F.importedMemory({}), { env: { memory: 1 } }));
    o.promises.compile = await attemptAsync(() => WA.compile(bytes));
    o.promises.compileBad = await attemptAsync(() => WA.compile(new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0])));
    o.promises.streamingNotResponse = await attemptAsync(() => WA.instantiateStreaming(42));
    o.promises.streamingWrongType = await attemptAsync(() => WA.instantiateStreaming(new Response(bytes)));
    o.promises.streaming = await attemptAsync(() => WA.instantiateStreaming(fetch('/e2e/pages/injected/exported-memory.wasm')));
    o.promises.compileStreaming = await attemptAsync(() => WA.compileStreaming(fetch('/e2e/pages/injected/exported-memory.wasm')));
    o.promises.streaming404 = await attemptAsync(() => WA.instantiateStreaming(fetch('/e2e/pages/missing.wasm')));

    async function ordering(label, start) {
      const log = [];
      const p = start();
      p.then(() => log.push(label + ':then1'), (e) => log.push(label + ':reject1:' + e.name));
      Promise.resolve().then(() => log.push('m1')).then(() => log.push('m2')).then(() => log.push('m3'));
      queueMicrotask(() => log.push('qm'));
      p.then(() => log.push(label + ':then2'), () => log.push(label + ':reject2'));
      (async () => { try { await p; log.push(label + ':await'); } catch { log.push(label + ':awaitcatch'); } })();
      await p.catch(() => undefined);
      for (let i = 0; i < 3; i++) await tick();
      return log;
    }
    step('ordering');
    o.ordering = {
      module: await ordering('mod', () => WA.instantiate(mod)),
      bytes: await ordering('bytes', () => WA.instantiate(bytes)),
      compile: await ordering('compile', () => WA.compile(bytes)),
      bad: await ordering('bad', () => WA.instantiate(new Uint8Array([9]))),
      badModuleArg: await ordering('badarg', () => WA.instantiate(mod, 7)),
      streaming: await ordering('stream', () => WA.instantiateStreaming(fetch('/e2e/pages/injected/exported-memory.wasm'))),
      sameTickTwo: await (async () => {
        const log = [];
        const a = WA.instantiate(mod).then(() => log.push('a'));
        const b = WA.instantiate(mod).then(() => log.push('b'));
        Promise.resolve().then(() => log.push('c'));
        await Promise.all([a, b]);
        return log;
      })(),
    };

    // --- the page patches globals afterwards: it must not see us call them --------------------
    {
      const counts = { then: 0, weakMapSet: 0, prepare: 0, push: 0 };
      const then = Promise.prototype.then;
      const wmSet = WeakMap.prototype.set;
      const push = Array.prototype.push;
      Promise.prototype.then = function (...a) { counts.then++; return then.apply(this, a); };
      WeakMap.prototype.set = function (...a) { counts.weakMapSet++; return wmSet.apply(this, a); };
      Error.prepareStackTrace = (e, _frames) => { counts.prepare++; return String(e); };
      const m = new WA.Memory({ initial: 1 });
      m.grow(1);
      const inst = new WA.Instance(mod);
      inst.exports.grow(1);
      const r = WA.instantiate(bytes);
      Promise.prototype.then = then;
      await r;
      WeakMap.prototype.set = wmSet;
      delete Error.prepareStackTrace;
      Array.prototype.push = push;
      o.patchedGlobals = counts;
    }

    // --- FinalizationRegistry ---------------------------------------------------------------
    step('finalization');
    o.finalization = {
      ok: attempt(() => { const r = new FinalizationRegistry(() => {}); return [r instanceof FinalizationRegistry, r.register({}, 1), r.register({}, 2, {}), r.unregister({})]; }),
      withoutNew: attempt(() => FinalizationRegistry(() => {})),
      notCallable: attempt(() => new FinalizationRegistry(5)),
      registerPrimitive: attempt(() => new FinalizationRegistry(() => {}).register(1, 2)),
      registerSame: attempt(() => { const t = {}; return new FinalizationRegistry(() => {}).register(t, t); }),
      badToken: attempt(() => new FinalizationRegistry(() => {}).register({}, 1, 5)),
      unregisterBad: attempt(() => new FinalizationRegistry(() => {}).unregister(5)),
      subclass: attempt(() => { class R extends FinalizationRegistry {} const r = new R(() => {}); return [r instanceof R, r instanceof FinalizationRegistry, r.constructor === R]; }),
      ctorIdentity: new FinalizationRegistry(() => {}).constructor === FinalizationRegistry,
      tag: Object.prototype.toString.call(new FinalizationRegistry(() => {})),
    };
    // A registry shaped like wasm-bindgen's (its cleanup calls a __wbg_<class>_free export): with
    // the extension, the first one makes FinalizationRegistry.prototype.register a look-alike
    // that counts registrations. Everything the page can see must stay the same.
    step('finalizationBindgen');
    {
      const wasm = { __wbg_conformance_free() {} };
      const registerBefore = FinalizationRegistry.prototype.register;
      const unregisterBefore = FinalizationRegistry.prototype.unregister;
      const ConformanceFinalization = new FinalizationRegistry((ptr) => wasm.__wbg_conformance_free(ptr >>> 0, 1));
      class Conformance {
        constructor() { this.__wbg_ptr = 8; ConformanceFinalization.register(this, this.__wbg_ptr, this); }
        free() { const ptr = this.__wbg_ptr; this.__wbg_ptr = 0; ConformanceFinalization.unregister(this); wasm.__wbg_conformance_free(ptr, 0); }
      }
      const c = new Conformance();
      const reg = ConformanceFinalization;
      // Kept out of the observations (it is the one thing that differs): the spec checks that
      // the extension run really swapped register(), so the comparison below is not vacuous.
      window.__registerSwapped = registerBefore !== FinalizationRegistry.prototype.register
        && unregisterBefore !== FinalizationRegistry.prototype.unregister;
      o.finalizationBindgen = {
        proto: describeObject(FinalizationRegistry.prototype),
        register: describeFunction(FinalizationRegistry.prototype.register),
        unregister: describeFunction(FinalizationRegistry.prototype.unregister),
        unregisterResults: attempt(() => { const t = {}; reg.register({}, 1, t); reg.register({}, 2, t); return [reg.unregister(t), reg.unregister(t), reg.unregister({})]; }),
        unregisterPrimitive: attempt(() => reg.unregister(5)),
        unregisterNoArgs: attempt(() => reg.unregister()),
        unregisterWrongThis: attempt(() => FinalizationRegistry.prototype.unregister.call({}, {})),
        unregisterViaReflect: attempt(() => { const t = {}; reg.register({}, 1, t); return Reflect.apply(FinalizationRegistry.prototype.unregister, reg, [t]); }),
        unregisterNotConstructor: attempt(() => new FinalizationRegistry.prototype.unregister({})),
        ownKeys: Reflect.ownKeys(reg).map(String),
        protoOf: Object.getPrototypeOf(reg) === FinalizationRegistry.prototype,
        ok: attempt(() => [reg.register({}, 1), reg.register({}, 2, {}), reg.register({}, 3, undefined), reg.unregister(c), reg.unregister(c)]),
        primitive: attempt(() => reg.register(1, 2)),
        same: attempt(() => { const t = {}; return reg.register(t, t); }),
        badToken: attempt(() => reg.register({}, 1, 5)),
        wrongThis: attempt(() => FinalizationRegistry.prototype.register.call({}, {}, 1)),
        noArgs: attempt(() => reg.register()),
        viaCall: attempt(() => FinalizationRegistry.prototype.register.call(reg, {}, 1)),
        viaReflect: attempt(() => Reflect.apply(FinalizationRegistry.prototype.register, reg, [{}, 1, {}])),
        notConstructor: attempt(() => new FinalizationRegistry.prototype.register({}, 1)),
        freed: attempt(() => { c.free(); return c.__wbg_ptr; }),
        ptrDescriptor: describeDescriptor(Object.getOwnPropertyDescriptor(new Conformance(), '__wbg_ptr')),
      };
    }

    // --- Worker --------------------------------------------------------------------------------
    step('worker');
    o.workerRun = await new Promise((resolve) => {
      const w = new Worker('/e2e/pages/conformance/worker.js');
      const seen = [];
      w.onmessage = (ev) => { seen.push(ev.data); resolve({ data: ev.data, instanceOf: w instanceof Worker, ctor: w.constructor === Worker }); w.terminate(); };
      w.onerror = (ev) => resolve({ error: ev.message || 'error event' });
      w.postMessage('first');
      w.postMessage('go');
    });
    o.workerErrors = {
      noArgs: attempt(() => new Worker()),
      withoutNew: attempt(() => Worker('/x.js')),
      badType: attempt(() => new Worker('/e2e/pages/conformance/worker.js', { type: 'wrong' })),
      crossOrigin: attempt(() => new Worker('https://example.invalid/w.js')),
      badUrl: attempt(() => new Worker('http://[bad')),
    };
    step('moduleWorker');
    o.moduleWorker = await new Promise((resolve) => {
      const w = new Worker('/e2e/pages/conformance/module-worker.mjs', { type: 'module' });
      w.onmessage = (ev) => { resolve(ev.data); w.terminate(); };
      w.onerror = (ev) => resolve({ error: ev.message || 'error event' });
      w.postMessage('early'); // before the module has even loaded
      w.postMessage('report');
    });
    step('workerSubclass');
    o.workerSubclass = await new Promise((resolve) => {
      class W2 extends Worker {}
      const w = new W2('/e2e/pages/conformance/worker.js');
      w.onmessage = (ev) => { resolve([w instanceof W2, w.constructor === W2, ev.data.fixtures]); w.terminate(); };
      w.postMessage('go');
    });
    return o;
  }
  window.runConformance = () => run();
})();
