/**
 * Trackers that sit on top of the injected core (see ../context.ts): wasm-bindgen classes,
 * Emscripten allocators, app registries. The core calls installTrackers(ctx) once per realm,
 * after its own hooks are in place and before the page's first script runs.
 */
import type { InjectedContext } from '../context';

export function installTrackers(ctx: InjectedContext): void {
  // Filled in by the trackers: each is `install(ctx)` in its own module.
  void ctx;
}
