// Builds a dependency-free Rust crate to wasm32-unknown-unknown and copies the .wasm out.
//
// Two toolchains, picked in this order:
//   1. rustup with the wasm32-unknown-unknown target installed (the normal way on a developer's
//      machine: `rustup target add wasm32-unknown-unknown`).
//   2. Debian 12's rustc-web/cargo-web (/usr/bin/cargo, 1.96) + rust-web-src + lld: std is
//      rebuilt for wasm32 with -Zbuild-std, its vendored dependencies taken from
//      /usr/src/rustc-<ver>/library/vendor through a cargo source replacement passed on the
//      command line only (nothing is committed to the crate's own config). See
//      ../shared/notes/ENVIRONMENT.md; scripts/setup.sh installs these packages when missing.
//
// Usage from code: `await buildWasmCrate('analyzer-rs', 'analyzer-rs/pkg/x.wasm')`; with
// `{ linkArgs: ['--max-memory=4194304'] }` the crate's own compilation gets those linker
// arguments (`cargo rustc -- -C link-arg=...`: std and dependencies are not rebuilt for it).
// From the shell: `node scripts/build-wasm.mjs <crateDir> <outFile>`.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET = 'wasm32-unknown-unknown';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function rustupHasWasmTarget() {
  try {
    const out = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').some((l) => l.trim() === TARGET);
  } catch {
    return false; // no rustup on this machine
  }
}

function debianToolchain() {
  const cargo = '/usr/bin/cargo';
  const rustc = '/usr/bin/rustc';
  if (!existsSync(cargo) || !existsSync(rustc)) return null;
  const srcRoot = '/usr/src';
  const dirs = existsSync(srcRoot) ? readdirSync(srcRoot).filter((d) => d.startsWith('rustc-')) : [];
  const vendor = dirs.map((d) => join(srcRoot, d, 'library', 'vendor')).find((p) => existsSync(p));
  if (!vendor) return null;
  return { cargo, rustc, vendor };
}

/** Name of the crate's library artifact (package name with - replaced by _). */
function artifactName(crateDir) {
  const toml = readFileSync(join(crateDir, 'Cargo.toml'), 'utf8');
  const m = /^\s*name\s*=\s*"([^"]+)"/m.exec(toml.split(/^\[/m).find((s) => s.startsWith('package]')) ?? toml);
  if (!m) throw new Error(`${crateDir}/Cargo.toml: no package name`);
  return m[1].replace(/-/g, '_');
}

export async function buildWasmCrate(crateDir, outFile, { linkArgs = [] } = {}) {
  const dir = resolve(crateDir);
  const manifest = join(dir, 'Cargo.toml');
  if (!existsSync(manifest)) throw new Error(`no Cargo.toml in ${dir}`);
  const targetDir = join(dir, 'target');
  const env = { ...process.env };
  let how;
  // `cargo rustc --lib ... -- <flags>` passes the flags to the crate's own rustc call only
  const verb = linkArgs.length > 0 ? ['rustc', '--lib'] : ['build'];
  const extra = linkArgs.length > 0 ? ['--', ...linkArgs.map((a) => `-Clink-arg=${a}`)] : [];
  if (rustupHasWasmTarget()) {
    how = 'rustup wasm32 target';
    run('cargo', [...verb, '--release', '--target', TARGET, '--manifest-path', manifest, '--target-dir', targetDir, ...extra], { env });
  } else {
    const deb = debianToolchain();
    if (!deb) {
      throw new Error(
        'no Rust wasm32 toolchain: either `rustup target add wasm32-unknown-unknown`, or on Debian 12 ' +
          '`apt-get install -y rustc-web cargo-web rust-web-src lld` (scripts/setup.sh does this).',
      );
    }
    how = `Debian ${execFileSync(deb.rustc, ['--version'], { encoding: 'utf8' }).trim()} with build-std`;
    env.RUSTC = deb.rustc;
    env.RUSTC_BOOTSTRAP = '1';
    env.RUSTFLAGS = [env.RUSTFLAGS, '-C linker=wasm-ld'].filter(Boolean).join(' ');
    // Keep rustup's shims out of the way: Debian's cargo must drive Debian's rustc.
    delete env.RUSTUP_TOOLCHAIN;
    run(
      deb.cargo,
      [
        ...verb,
        '--release',
        '--target',
        TARGET,
        '--manifest-path',
        manifest,
        '--target-dir',
        join(targetDir, 'debian'),
        '-Zbuild-std=std,panic_abort',
        '--config',
        `source.crates-io.replace-with="debian-vendor"`,
        '--config',
        `source.debian-vendor.directory="${deb.vendor}"`,
        ...extra,
      ],
      { env },
    );
  }
  const profileDir = how.startsWith('rustup') ? join(targetDir, TARGET, 'release') : join(targetDir, 'debian', TARGET, 'release');
  const built = join(profileDir, `${artifactName(dir)}.wasm`);
  if (!existsSync(built)) throw new Error(`build finished but ${built} is missing (is crate-type = ["cdylib"] set?)`);
  mkdirSync(dirname(resolve(outFile)), { recursive: true });
  copyFileSync(built, outFile);
  const flags = linkArgs.length > 0 ? `, linker args ${linkArgs.join(' ')}` : '';
  console.log(`built ${outFile} (${statSync(outFile).size} bytes) with ${how}${flags}`);
  return outFile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [crateDir, outFile] = process.argv.slice(2);
  if (!crateDir || !outFile) {
    console.error('usage: node scripts/build-wasm.mjs <crateDir> <outFile>');
    process.exit(2);
  }
  try {
    await buildWasmCrate(crateDir, outFile);
  } catch (e) {
    console.error(`build-wasm: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
