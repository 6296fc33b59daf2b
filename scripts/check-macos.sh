#!/usr/bin/env bash
# Type-checks (and lints) the macOS build, which no machine here can run: every cfg(macos)
# path must at least compile for both Mac architectures. A target that cannot be installed
# fails the run loudly rather than letting it pass unchecked.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in x86_64-apple-darwin aarch64-apple-darwin; do
  if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target" >/dev/null 2>&1 || true
  fi
  if ! rustup target list --installed | grep -qx "$target"; then
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    echo "!!! The Rust standard library for $target cannot be installed here:" >&2
    echo "!!! the macOS code has NOT been type-checked. (rustup target add $target)" >&2
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    exit 1
  fi
  echo "macOS type-check: cargo clippy --target $target"
  cargo clippy --quiet --workspace --all-targets --target "$target" -- -D warnings
done
