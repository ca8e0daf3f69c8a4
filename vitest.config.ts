import { defineConfig } from 'vitest/config';

// Unit tests live next to the code (src/**, testing/**); bench/**/*.test.ts keeps the throughput
// benchmark's TypeScript reference computing what the wasm analyzer does. e2e/*.spec.ts are
// Playwright's.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'testing/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
