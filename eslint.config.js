// ESLint 9 flat config. `npm run lint` runs it together with tsc, cargo fmt --check and prettier --check.
//
// typescript-eslint's recommended set WITHOUT type information: the type-checked sets need a full
// program per run (tsc already checks types in `npm run lint`), and the rules that matter here do not
// need types.
//
// Layer rules (ESLint core no-restricted-imports, matched on the import string; every directory named
// below is unique in the tree, so a path segment with that name can only mean that layer):
//   (a) the page side (src/injected/, src/content/) never imports the panel, the analyzer (TS or Rust)
//       or the background;
//   (b) src/shared/ imports no layer;
//   (c) nothing in the product (src/, cli/, testing/) imports bench/ or e2e/ — except unit tests
//       (*.test.ts), which use bench/scenarios, bench/reference and e2e/pages/wasm-fixtures.js.
// Static imports and `export ... from` only: a dynamic import() is not checked by this rule.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const rel = (dirs) => `^\\.{1,2}/(?:.*/)?(?:${dirs.join('|')})(?:/|$)`;

const NO_BENCH_E2E = {
  regex: rel(['bench', 'e2e']),
  message: 'Product code (src/, cli/, testing/) must not import bench/ or e2e/ (only *.test.ts may).',
};
const PAGE_SIDE = {
  regex: rel(['devtools-panel', 'analyzer', 'analyzer-rs', 'background']),
  message: 'The page side (src/injected/, src/content/) must not import the panel, the analyzer or the background.',
};
const SHARED = {
  regex: rel(['injected', 'content', 'background', 'devtools-panel', 'analyzer', 'analyzer-rs', 'cli']),
  message: 'src/shared/ must not import any layer (injected, content, background, devtools-panel, analyzer, cli).',
};
const restrict = (...patterns) => (patterns.length ? ['error', { patterns }] : 'off');

const TESTS = ['**/*.test.ts', '**/*.test.tsx', 'e2e/**', 'bench/**'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'cli/dist/**',
      'analyzer-rs/**',
      'demo/**',
      '**/target/**',
      'test-results/**',
      'playwright-report/**',
      'out/**',
      '.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node, ...globals.worker },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `typeof import('x')` in a type position stays allowed (used for types of lazily loaded modules).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // `let x!: T` assigned after the closures that read it are built (core.ts, tests).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Proxy handlers and hook functions need both their own `this` and the owner's: `const self = this`.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
    },
  },
  {
    files: TESTS,
    // `any` is an error in the product; tests may use it where they check a loose JSON (a warning, so a
    // justified disable comment there is not reported as unused).
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
  // Plain JavaScript (build scripts, benches, e2e page scripts): no TS-only rules.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },

  // Page scripts of the e2e fixtures: globals that other scripts of the same page define.
  {
    files: ['e2e/pages/**/*.js', 'e2e/pages/**/*.mjs'],
    languageOptions: {
      globals: { wasmFixtures: 'readonly', keep: 'writable', initSqlJs: 'readonly', hostile: 'readonly', hostileExercise: 'readonly' },
    },
  },
  // scripts/demo.mjs evaluates functions in the extension's pages, where `chrome` exists.
  { files: ['scripts/demo.mjs'], languageOptions: { globals: { chrome: 'readonly' } } },

  // The injected bundle runs in the page's realm: after start-up it calls no built-in the page can
  // replace (docs/TRANSPARENCY.md). The syntax that would (iterator protocol, promise machinery,
  // page-reachable collections) is refused here while editing; src/injected/page-builtins.test.ts
  // is the full, type-aware check (it also tells array methods from string methods). A justified
  // exception: an eslint-disable-next-line comment plus `page-builtins: <why>`.
  {
    files: ['src/injected/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/injected/core/rewrite/test-builder.ts', 'src/injected/core/intrinsics.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          ['ForOfStatement', 'for...of runs the page-replaceable iterator protocol: use an index loop (or SafeMap/SafeSet forEach).'],
          ['ArrayExpression > SpreadElement', 'spread runs the page-replaceable iterator protocol: copy with a loop or arraySlice().'],
          ['CallExpression > SpreadElement', 'spread runs the page-replaceable iterator protocol: pass the array to apply()/construct().'],
          ['NewExpression > SpreadElement', 'spread runs the page-replaceable iterator protocol: pass the array to construct().'],
          ['ArrayPattern', 'array destructuring runs the page-replaceable iterator protocol: index the array.'],
          ['AwaitExpression', 'await: use observeFresh() (core/promise.ts) on a promise of ours.'],
          [':function[async=true]', 'async functions make and resolve promises: use observeFresh() (core/promise.ts).'],
          [':function[generator=true]', 'generators are iterated with the page-replaceable iterator protocol.'],
          [
            'NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet|Promise)$/]',
            'page-reachable constructor: use SafeMap/SafeSet/SafeWeakMap/SafeWeakSet/OrigPromise (core/intrinsics.ts).',
          ],
          [
            'CallExpression[callee.type="MemberExpression"][callee.property.name=/^(then|catch|finally|call|apply|bind)$/]',
            'page-replaceable Promise/Function method: use call()/apply() and promiseThen from core/intrinsics.ts.',
          ],
        ].map(([selector, message]) => ({ selector, message })),
      ],
    },
  },

  // ---- layer rules; later entries replace earlier ones for the same file ----
  { files: ['src/**', 'cli/**', 'testing/**'], rules: { 'no-restricted-imports': restrict(NO_BENCH_E2E) } },
  { files: ['src/injected/**', 'src/content/**'], rules: { 'no-restricted-imports': restrict(PAGE_SIDE, NO_BENCH_E2E) } },
  { files: ['src/shared/**'], rules: { 'no-restricted-imports': restrict(SHARED, NO_BENCH_E2E) } },
  // Unit tests may import bench/ and e2e/ fixtures; the layer rules still hold for them.
  { files: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'testing/**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/injected/**/*.test.ts', 'src/content/**/*.test.ts'], rules: { 'no-restricted-imports': restrict(PAGE_SIDE) } },
  { files: ['src/shared/**/*.test.ts'], rules: { 'no-restricted-imports': restrict(SHARED) } },
);
