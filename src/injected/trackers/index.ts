/**
 * Trackers that sit on top of the injected core (see ../context.ts): wasm-bindgen classes,
 * Emscripten allocators, app registries. The core calls installTrackers(ctx) once per realm,
 * after its own hooks are in place and before the page's first script runs.
 *
 * Every tracker keeps exact counters locally and emits cumulative events at most once per
 * sampling tick per class / memory / registry, only when something changed: a page that creates
 * a million objects sends a handful of events, not a million.
 */
import type { InjectedContext, InstanceInfo } from '../context';
import { BindgenTracker } from './bindgen';
import { freeExportWrappers, hookFinalizationRegistry, hookPointerFields, isFreeExportName } from './bindgen-hooks';
import { MODULE_ALLOCATOR_PROPS, planEmscripten, restoreUndecided, type AllocTracker, type Slot } from './emscripten';
import { replaceExports } from './exports';
import { installProtoSetter } from './proto-setters';
import { RegistryTracker, installRegistries } from './registries';

export interface InstalledTrackers {
  bindgen: BindgenTracker;
  allocators: AllocTracker[];
  registries: RegistryTracker;
}

let installed: InstalledTrackers | null = null;

/** Emscripten allocators tracked per realm (each app instance with a memory has one). */
export const MAX_ALLOCATORS = 64;

/** Distinct import module names the wasm module declares (not what the page passed). */
function importModulesOf(moduleImports: typeof WebAssembly.Module.imports, module: WebAssembly.Module): string[] {
  const names = new Set<string>();
  for (const imp of Reflect.apply(moduleImports, undefined, [module]) as WebAssembly.ModuleImportDescriptor[]) names.add(imp.module);
  return [...names];
}

export function installTrackers(ctx: InjectedContext): InstalledTrackers {
  if (installed !== null) return installed;
  const global = globalThis as unknown as Record<string, unknown>;
  // Saved now: the page runs later and may replace them.
  const moduleImports = WebAssembly.Module.imports;
  const MemoryCtor = WebAssembly.Memory;

  // wasm-bindgen classes
  const bindgen = new BindgenTracker({ now: () => ctx.now(), stackLater: () => ctx.stackLater(), emit: (e) => ctx.emit(e) });
  hookFinalizationRegistry(globalThis, bindgen);
  // The pointer-field and allocator watches live on Object.prototype, which a page can notice
  // (`'ptr' in {}`). They are installed only once a module that needs them is instantiated in
  // this realm: glue objects and `Module._malloc = ...` assignments come after instantiation, so
  // nothing is missed, and pages without such wasm see an untouched Object.prototype.
  let pointerFields: 'none' | 'wbg' | 'all' = 'none';
  let allocatorProps = false;

  // Emscripten allocators
  const allocators: AllocTracker[] = [];
  const slots = new WeakMap<object, Slot>();
  const watchAllocatorProps = (): void => {
    if (allocatorProps) return;
    allocatorProps = true;
    for (const [prop, role] of Object.entries(MODULE_ALLOCATOR_PROPS)) {
      installProtoSetter(Object.prototype, prop, (obj, value) => {
        if (typeof value !== 'function') return;
        const slot = slots.get(value);
        if (slot === undefined || slot.role !== 'none') return;
        slot.role = role;
        // The Module's other exports are not allocators: it gets the originals back (a wrapper
        // frame around a long wasm call measured 2-3% on sql.js: docs/PAGE-API.md, section 3).
        restoreUndecided(obj, slot.tracker, (v) => slots.get(v));
      });
    }
  };

  ctx.onInstance((info: InstanceInfo) => {
    const wrappers = freeExportWrappers(info.exports, info.moduleKey, bindgen);
    const freeExports = Object.keys(info.exports).filter(isFreeExportName);
    if (freeExports.length > 0 && pointerFields !== 'all') {
      // A one-argument free export is glue up to 0.2.92, whose objects may use the old `ptr`
      // field; from 0.2.93 the export takes (ptr, flag) and objects always use `__wbg_ptr`.
      const old = freeExports.some((n) => (info.exports as Record<string, { length?: number }>)[n]?.length === 1);
      const want = old ? 'all' : 'wbg';
      if (pointerFields === 'none' || want === 'all') {
        hookPointerFields(Object.prototype, bindgen, want === 'all');
        pointerFields = want;
      }
    }
    const importModules = importModulesOf(moduleImports, info.module);
    const plan = planEmscripten(info.exports, info.memories, importModules);
    if (plan !== null) watchAllocatorProps();
    if (plan !== null && allocators.length < MAX_ALLOCATORS) {
      allocators.push(plan.tracker);
      for (const [name, w] of plan.wrappers) wrappers.set(name, w);
      for (const [w, slot] of plan.slots) slots.set(w as object, slot);
    }
    return replaceExports(info.exports, wrappers);
  });

  // App registries and marks
  const registries = new RegistryTracker({
    now: () => ctx.now(),
    emit: (e) => ctx.emit(e),
    memoryKey: (m) => ctx.memoryKey(m),
    isMemory: (v): v is WebAssembly.Memory => v instanceof MemoryCtor,
  });
  installRegistries(global, registries, (fn) => ctx.onTick(fn), () => ctx.wake());

  ctx.onTick(() => {
    bindgen.tick();
    for (const a of allocators) {
      if (!a.dirty) continue;
      a.dirty = false;
      ctx.emit(a.event(ctx.now()));
    }
  });

  installed = { bindgen, allocators, registries };
  return installed;
}
