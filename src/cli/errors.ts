/**
 * Exit codes of the `wasm-memory` command and the error that carries exit code 2.
 *
 *   0  no leak: no active alert at or above the --fail-on severity
 *   1  leak: at least one such alert
 *   2  usage or environment error (bad arguments, Chromium not found, URL unreachable,
 *      extension or analyzer not built, unreadable or malformed trace, failing actions script),
 *      or `record` of a page that had errors (without --allow-page-errors)
 */
export const EXIT_OK = 0;
export const EXIT_LEAK = 1;
export const EXIT_USAGE = 2;

/** A problem the user must fix before the tool can do its job; printed without a stack, exit 2. */
export class UsageError extends Error {
  /** Name of the command whose --help should be suggested, if the problem is an argument. */
  readonly helpFor: string | null;

  constructor(message: string, helpFor: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.helpFor = helpFor;
  }
}

/** The message of any thrown value, for error output. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
