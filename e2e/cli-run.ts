/**
 * Runs the built CLI (cli/wasm-memory.mjs) as a user would, in its own process: exit code,
 * stdout and stderr. Shared by the specs that drive `wasm-memory` end to end.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('cli/wasm-memory.mjs');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `wasm-memory ...args`, with `env` added to this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
