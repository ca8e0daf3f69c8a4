import { defineConfig } from '@playwright/test';

// e2e tests load the BUILT extension (dist/) into Debian's Chromium; run `npm run build` first
// (`npm test` does). Each test launches its own persistent context: see e2e/fixtures.ts.
// E2E_PORT: serve this checkout on another port when 4173 is taken by another checkout's server
// (reuseExistingServer would otherwise test that checkout's pages). Specs that spell out
// 127.0.0.1:4173 still need the default port.
const PORT = Number(process.env.E2E_PORT ?? 4173);

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
    command: `node scripts/serve.mjs ${PORT}`,
    url: `http://127.0.0.1:${PORT}/package.json`,
    reuseExistingServer: true,
    timeout: 30_000,
  },
  use: { baseURL: `http://127.0.0.1:${PORT}` },
});
