/**
 * Pure helpers over V8 stack strings: remove our own frames, bound the length, find the
 * first script URL that is neither ours nor an extension's (the "owner" of a memory).
 * No globals: unit-tested in stacks.test.ts.
 */

import { arrayIncludes, arrayJoin } from './intrinsics';

export interface StackFrame {
  /** The whole line, trimmed. */
  line: string;
  /** Script URL of the frame, or null (native, <anonymous>, eval without URL). */
  url: string | null;
}

const FRAME = /^at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/** Script URL of one trimmed V8 frame line ("at fn (url:1:2)" or "at url:1:2"). */
export function frameUrl(line: string): string | null {
  const m = FRAME.exec(line);
  if (!m) return null;
  let url = m[1] ?? '';
  // "at eval (eval at f (https://x/a.js:1:2), <anonymous>:1:1)": the URL inside is the script's.
  if (url.startsWith('eval at ')) {
    const evalAt = /^eval at .*?\((.+?):\d+:\d+\)/.exec(url);
    url = evalAt?.[1] ?? ''; // eval of code without a script URL (e.g. from the console): none
  }
  if (url === '<anonymous>' || url === 'native' || url === '' || url.includes(' ')) return null;
  return url;
}

/** Frames of a V8 `stack` string (the first "Error: message" line is skipped). */
export function parseStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  const raws = stack.split('\n');
  for (let i = 0; i < raws.length; i++) {
    const line = raws[i]!.trim();
    if (!line.startsWith('at ')) continue;
    out[out.length] = { line, url: frameUrl(line) };
  }
  return out;
}

/** True for a frame URL that belongs to an extension (ours or another one's). */
export function isExtensionUrl(url: string): boolean {
  return /^(chrome|moz|safari-web)-extension:\/\//.test(url);
}

/**
 * The frames that are not ours, as a bounded string ("at ..." lines joined by "\n").
 * `ownUrls`: script URLs of the injected bundle in this realm; `alias`: see UrlAlias.
 */
export function cleanStack(stack: string, ownUrls: readonly string[], maxChars: number, alias?: UrlAlias): string {
  const lines: string[] = [];
  let total = 0;
  const frames = parseStack(stack);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.url !== null && arrayIncludes(ownUrls, f.url)) continue;
    const line = alias !== undefined && f.url === alias.from ? arrayJoin(f.line.split(alias.from), alias.to) : f.line;
    const add = (lines.length ? 1 : 0) + line.length;
    if (total + add > maxChars) break;
    lines[lines.length] = line;
    total += add;
  }
  return arrayJoin(lines, '\n');
}

/**
 * Frames of script `from` are shown as `to`: in a worker started from a page blob: URL, the
 * page's script runs from our copy (`from`), which the page never made; `to` is its own URL.
 */
export interface UrlAlias {
  from: string;
  to: string;
}

/** URL of the first frame that is neither ours nor any extension's, else `fallback`. */
export function ownerUrl(stack: string, ownUrls: readonly string[], fallback: string): string {
  const frames = parseStack(stack);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.url === null || arrayIncludes(ownUrls, f.url) || isExtensionUrl(f.url)) continue;
    return f.url;
  }
  return fallback;
}

/** The first frame's URL: called on a stack taken inside the bundle, it is the bundle's URL. */
export function firstFrameUrl(stack: string): string | null {
  const frames = parseStack(stack);
  for (let i = 0; i < frames.length; i++) if (frames[i]!.url !== null) return frames[i]!.url;
  return null;
}

/** True when the top frame of `stack` is in one of `ownUrls` (an error thrown by a native
 * function that our wrapper called directly, not by page code deeper down). */
export function topFrameIsOwn(stack: string, ownUrls: readonly string[]): boolean {
  const first = parseStack(stack)[0];
  return first !== undefined && first.url !== null && arrayIncludes(ownUrls, first.url);
}
