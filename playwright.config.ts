import { defineConfig } from '@playwright/test';

// e2e tests load the BUILT extension (dist/) into Debian's Chromium; run `npm run build` first
// (`npm test` does). Each test launches its own persistent context: see e2e/fixtures.ts.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  webServer: {
    command: 'node scripts/serve.mjs 4173',
    url: 'http://127.0.0.1:4173/package.json',
    reuseExistingServer: true,
    timeout: 30_000,
  },
  use: { baseURL: 'http://127.0.0.1:4173' },
});
