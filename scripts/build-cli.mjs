// Builds the command line and the Playwright helper for Node (npm run build:cli):
//   1. vite.cli.config.ts bundles src/cli/entry.ts and testing/index.ts into cli/dist/;
//   2. tsc emits the helper's type declarations into cli/dist/types/ (tsconfig.cli-types.json);
//   3. relative imports in those declarations get an explicit `.js`, so projects that resolve
//      types with "moduleResolution": "node16"/"nodenext" (not only "bundler") see real types.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'cli/dist/types');

await build({ configFile: join(root, 'vite.cli.config.ts'), root, logLevel: 'warn' });

const tsc = join(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.cli-types.json')], { stdio: 'inherit', cwd: root });

function* declarations(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* declarations(path);
    else if (name.endsWith('.d.ts')) yield path;
  }
}

let rewritten = 0;
for (const file of declarations(typesDir)) {
  const text = readFileSync(file, 'utf8');
  const out = text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+?)\2/g, (all, lead, quote, spec) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return all;
    rewritten += 1;
    return `${lead}${quote}${spec}.js${quote}`;
  });
  if (out !== text) writeFileSync(file, out);
}
console.log(`build-cli: cli/dist/ built; ${rewritten} relative type imports given a .js extension`);
