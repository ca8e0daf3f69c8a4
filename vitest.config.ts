import { defineConfig } from 'vitest/config';

// Unit tests live next to the code (src/**, testing/**). e2e/*.spec.ts are Playwright's.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'testing/**/*.test.ts'],
    environment: 'node',
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
