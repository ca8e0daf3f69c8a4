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

/** Ctrl-C / SIGTERM while recording: clean up (close Chromium, delete its profile), exit 130. */
function onInterrupt(cleanup: () => Promise<void>): () => void {
  const handler = (): void => {
    cleanup().then(
      () => process.exit(130),
      (err: unknown) => {
        process.stderr.write(`wasm-memory: cleanup after interrupt failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(130);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
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
    onInterrupt,
  });
}
