/**
 * Guard: the injected bundle calls no built-in the page can replace (docs/TRANSPARENCY.md,
 * "Built-ins the page replaces"). A type-aware scan of every source file of the bundle (the
 * program rooted at index.iife.ts) with the TypeScript checker, which tells `arr.slice()` from
 * `str.slice()` and `safeMap.get()` from `map.get()` where a lint rule on names cannot:
 *
 * - a method or accessor of Array, Map, Set, WeakMap, WeakSet, Promise, JSON, Function
 *   (call/apply/bind/toString) or an iterator, read anywhere but in core/intrinsics.ts (which
 *   saves the originals when the bundle runs) — except the methods of our Safe* collections,
 *   which hold the originals as own properties (their iteration methods are not allowed);
 * - syntax that runs the iterator protocol or promise machinery: for...of, spread into an
 *   array or a call, array destructuring, await, async functions, generators;
 * - `new` of a page-reachable collection or promise constructor (Map, Set, WeakMap, WeakSet,
 *   Promise, Array).
 *
 * A justified exception carries `page-builtins: <why>` on its line or the line above.
 * ESLint (eslint.config.js) checks the syntax part while editing; this test is the full check.
 */
import ts from 'typescript';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WATCHED = new Set([
  'Array',
  'ReadonlyArray',
  'ArrayConstructor',
  'Map',
  'ReadonlyMap',
  'MapConstructor',
  'Set',
  'ReadonlySet',
  'SetConstructor',
  'WeakMap',
  'WeakMapConstructor',
  'WeakSet',
  'WeakSetConstructor',
  'Promise',
  'PromiseLike',
  'PromiseConstructor',
  'JSON',
  'Function',
  'CallableFunction',
  'NewableFunction',
  'Iterator',
  'IterableIterator',
  'IteratorObject',
  'ArrayIterator',
  'MapIterator',
  'SetIterator',
]);
/** Own data properties of the receiver itself, not methods of a prototype. */
const OWN = new Set(['length', 'name', 'prototype']);
const ITERATION = new Set(['keys', 'values', 'entries', '__@iterator']);
const CONSTRUCTORS = /^(Map|Set|WeakMap|WeakSet|Promise|Array)$/;
const SAFE = /^Safe(Map|Set|WeakMap|WeakSet)$/;
const EXCUSE = /page-builtins:/;

function isLib(d: ts.Declaration): boolean {
  return /[\\/]typescript[\\/]lib[\\/]lib\./.test(d.getSourceFile().fileName);
}

/** Findings in `program`'s files accepted by `include`, as "file:line: what: code". */
export function auditProgram(program: ts.Program, include: (fileName: string) => boolean): string[] {
  const checker = program.getTypeChecker();
  const out: string[] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !include(sf.fileName)) continue;
    const lines = sf.text.split('\n');
    const report = (node: ts.Node, what: string) => {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      if (EXCUSE.test(lines[line] ?? '') || EXCUSE.test(lines[line - 1] ?? '')) return;
      const code = node.getText(sf).replace(/\s+/g, ' ').slice(0, 60);
      out.push(`${relative(ROOT, sf.fileName)}:${line + 1}: ${what}: ${code}`);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
        const nameNode = ts.isPropertyAccessExpression(node) ? node.name : node.argumentExpression;
        const sym = checker.getSymbolAtLocation(nameNode);
        const decl = sym?.declarations?.find(isLib);
        const owner = decl?.parent;
        const ownerName =
          owner && (ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner) || ts.isModuleDeclaration(owner))
            ? owner.name?.getText()
            : undefined;
        if (sym && ownerName !== undefined && WATCHED.has(ownerName) && !OWN.has(sym.name)) {
          const receiver = checker.getNonNullableType(checker.getTypeAtLocation(node.expression));
          const safe = SAFE.test(receiver.getSymbol()?.getName() ?? '') && !ITERATION.has(sym.escapedName as string);
          if (!safe) report(node, `${ownerName}.${sym.name}`);
        }
      }
      if (ts.isForOfStatement(node)) report(node, 'for...of');
      if (ts.isSpreadElement(node)) report(node, 'spread');
      if (ts.isArrayBindingPattern(node)) report(node, 'array destructuring');
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isArrayLiteralExpression(node.left))
        report(node, 'array destructuring');
      if (ts.isAwaitExpression(node)) report(node, 'await');
      if (ts.isFunctionLike(node) && ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Async)
        report(node, 'async function');
      if (ts.isFunctionLike(node) && 'asteriskToken' in node && node.asteriskToken) report(node, 'generator');
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && CONSTRUCTORS.test(node.expression.text)) {
        const decl = checker.getSymbolAtLocation(node.expression)?.declarations?.[0];
        if (decl && isLib(decl)) report(node, `new ${node.expression.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json did not parse');
  return { ...parsed.options, noEmit: true };
}

describe('the injected bundle uses no built-in the page can replace', () => {
  it('the audit catches each kind of use (and accepts the safe forms)', () => {
    const file = join(ROOT, 'src/injected/__audit_fixture__.ts');
    const text = [
      "import { SafeMap, arraySlice } from './core/intrinsics';",
      'const a: number[] = [];',
      'a.push(1);', // 3
      'for (const x of a) void x;', // 4
      'const m = new Map<number, number>();', // 5
      'const s = new SafeMap<number, number>();',
      's.set(1, 2);', // safe
      's.values();', // 8: iteration
      'const [first] = a;', // 9
      'void [...a];', // 10
      'void JSON.parse("1");', // 11
      'const f = (x: number) => x;',
      'f.call(null, 1);', // 13
      'void Promise.resolve(1);', // 14
      'void arraySlice(a, 1);', // safe
      'a[a.length] = m.size + (first ?? 0);', // 16: Map.size
      '// page-builtins: an excused use',
      'a.pop();', // excused
      "'abc'.slice(1);", // a string: not watched
    ].join('\n');
    const opts = compilerOptions();
    const host = ts.createCompilerHost(opts);
    const read = host.readFile;
    host.readFile = (f) => (resolve(f) === file ? text : read(f));
    const exists = host.fileExists;
    host.fileExists = (f) => resolve(f) === file || exists(f);
    const getSourceFile = host.getSourceFile;
    host.getSourceFile = (f, lang, ...rest) =>
      resolve(f) === file ? ts.createSourceFile(f, text, lang, true) : getSourceFile(f, lang, ...rest);
    const program = ts.createProgram([file], opts, host);
    const found = auditProgram(program, (f) => resolve(f) === file).map((l) => l.replace(/^[^:]+:/, ''));
    expect(found).toEqual([
      '3: Array.push: a.push',
      '4: for...of: for (const x of a) void x;',
      '5: new Map: new Map<number, number>()',
      '8: Map.values: s.values',
      '9: array destructuring: [first]',
      '10: spread: ...a',
      '11: JSON.parse: JSON.parse',
      '13: CallableFunction.call: f.call',
      '14: PromiseConstructor.resolve: Promise.resolve',
      '16: Map.size: m.size',
    ]);
  }, 60_000); // a type-checked program: seconds on a loaded 2-core machine

  it('no source file of the bundle has any', () => {
    const program = ts.createProgram([join(ROOT, 'src/injected/index.iife.ts')], compilerOptions());
    const found = auditProgram(program, (f) => {
      const r = relative(ROOT, f);
      return !r.startsWith('..') && !r.includes('node_modules') && r !== join('src', 'injected', 'core', 'intrinsics.ts');
    });
    expect(found).toEqual([]);
  }, 60_000);
});
