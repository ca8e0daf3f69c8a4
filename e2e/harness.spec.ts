import { test, expect } from './fixtures';

test('the built extension loads and its service worker starts', async ({ extensionId }) => {
  expect(extensionId).toMatch(/^[a-p]{32}$/);
});
