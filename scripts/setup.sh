#!/usr/bin/env bash
# Installs what a bare Debian 12 machine lacks to build and test WASM Memory, then runs the
# command given after --then (if any). Safe to run again: it installs only what is missing.
#
#   - Chromium: Debian's package (/usr/bin/chromium), unless CHROMIUM_PATH points at one.
#   - Rust to wasm32: the rustup target wasm32-unknown-unknown when rustup has it installed;
#     otherwise Debian's rustc-web + cargo-web + rust-web-src + lld (see scripts/build-analyzer.mjs).
#   - rustfmt for `npm run lint` (cargo fmt --check): rustup's, else Debian's rustfmt-web (same
#     version as rustc-web; bookworm's plain `rustfmt` package is 1.63 and too old).
#   - npm packages: npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

# rustup installs into ~/.cargo/bin, which a non-login shell (CI) may not have on PATH.
if [ -d "$HOME/.cargo/bin" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi

then_cmd=()
if [ "${1:-}" = "--then" ]; then shift; then_cmd=("$@"); fi

need=()
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then :;
elif ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi

has_rustup_wasm=0
if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  has_rustup_wasm=1
fi
if [ "$has_rustup_wasm" = 0 ]; then
  [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] || need+=(rustc-web cargo-web)
  compgen -G '/usr/src/rustc-*/library/vendor' >/dev/null || need+=(rust-web-src)
  command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
fi
# Native `cargo test` needs some cargo: rustup's or Debian's.
command -v cargo >/dev/null 2>&1 || [ -x /usr/bin/cargo ] || need+=(cargo-web rustc-web)
# `npm run lint` runs `cargo fmt --check`: cargo-fmt and rustfmt must work.
if ! { cargo fmt --version >/dev/null 2>&1 || /usr/bin/cargo fmt --version >/dev/null 2>&1; }; then need+=(rustfmt-web); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  # Package mirrors are the one network dependency: try a few times before giving up.
  for attempt in 1 2 3; do
    if $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"; then break; fi
    if [ "$attempt" = 3 ]; then echo "setup: could not install ${need[*]}" >&2; exit 1; fi
    sleep 10
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ ${#then_cmd[@]} -gt 0 ]; then exec "${then_cmd[@]}"; fi
