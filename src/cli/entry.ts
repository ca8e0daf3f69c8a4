/** Entry of the bundled CLI (cli/dist/wasm-memory.mjs), called by the cli/wasm-memory.mjs launcher. */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnalyzer } from '../analyzer/analyzer';
import { main } from './main';

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  return (text: string) => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
}

/** Runs the CLI with the real environment; resolves to the exit code. */
export function run(argv: readonly string[]): Promise<number> {
  return main(argv, {
    env: process.env,
    platform: process.platform,
    cwd: process.cwd(),
    moduleDir: dirname(fileURLToPath(import.meta.url)),
    createAnalyzer: (wasm) => createAnalyzer(wasm),
    io: { out: writer(process.stdout), err: writer(process.stderr) },
  });
}
