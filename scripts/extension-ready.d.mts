/** See extension-ready.mjs. */
export function waitForContentScripts(sw: { evaluate<R>(fn: () => Promise<R>): Promise<R> }): Promise<number>;
