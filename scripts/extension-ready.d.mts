/** See extension-ready.mjs. */
export function waitForContentScripts(sw: { evaluate<R>(fn: () => R | Promise<R>): Promise<R> }): Promise<number>;
