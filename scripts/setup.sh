#!/usr/bin/env bash
# Installs the build and test toolchain. Every step checks first, so a warm run takes seconds.
# Usage: scripts/setup.sh [--browser] [--fuzz] [--postgres]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

BROWSER=0
FUZZ=0
POSTGRES=0
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    --fuzz) FUZZ=1 ;;
    --postgres) POSTGRES=1 ;;
    -h | --help) echo "usage: $0 [--browser] [--fuzz] [--postgres]"; exit 0 ;;
    *) echo "setup: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# npm's wasm-opt (binaryen 132) must win over Debian's 108, which emits a module that crashes at load.
export PATH="$ROOT/node_modules/.bin:$CARGO_BIN:$PATH"

TRUNK_VERSION=0.21.14
WASM_TARGET=wasm32-unknown-unknown

say() { printf 'setup: %-16s %s\n' "$1" "$2"; }

fail() {
  local step=$1 hint=$2
  printf 'setup: %-16s FAILED. %s\n' "$step" "$hint" >&2
  exit 1
}

# Runs a command and keeps its output out of the way unless it fails.
run_quiet() {
  local step=$1 hint=$2 log
  shift 2
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    fail "$step" "$hint"
  fi
  rm -f "$log"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup: need root (or sudo) for: $*" >&2
    return 1
  fi
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

need() {
  command -v "$1" >/dev/null 2>&1 || fail "$1" "'$1' is not on PATH; install it first."
}
# cargo install links native code (ring, zstd), so a C toolchain must be present.
need_cc() {
  command -v cc >/dev/null 2>&1 || fail "$1" "no C compiler (cc); install build-essential first."
}

need cargo
need rustup
need node
need npm

# --- Rust target ------------------------------------------------------------
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
  say "wasm target" "ok ($WASM_TARGET)"
else
  say "wasm target" "installing $WASM_TARGET"
  run_quiet "wasm target" "rustup could not download the target (network?)." \
    rustup target add "$WASM_TARGET"
fi

# --- clippy and rustfmt (make lint) ----------------------------------------------
missing=$(for c in clippy rustfmt; do rustup component list --installed | grep -q "^$c" || echo "$c"; done)
if [ -z "$missing" ]; then
  say "lint tools" "ok (clippy, rustfmt)"
else
  say "lint tools" "installing $missing"
  # shellcheck disable=SC2086 # one word per component
  run_quiet "lint tools" "rustup could not download $missing (network?)." \
    rustup component add $missing
fi

# --- trunk ------------------------------------------------------------------
# Pinned: trunk 0.22 needs a newer rustc than the one used here.
have_trunk=$(trunk --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_trunk" = "$TRUNK_VERSION" ]; then
  say "trunk" "ok ($TRUNK_VERSION)"
else
  need_cc trunk
  say "trunk" "installing $TRUNK_VERSION (found: ${have_trunk:-none}; takes ~5 min)"
  run_quiet "trunk" "cargo install failed (no access to crates.io?)." \
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# --- wasm-bindgen-cli ---------------------------------------------------------
# Must equal the wasm-bindgen crate version in Cargo.lock, or the generated JS glue won't match.
want_wb=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want_wb" ] || fail "wasm-bindgen" "no wasm-bindgen package found in Cargo.lock."
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" = "$want_wb" ]; then
  say "wasm-bindgen" "ok ($want_wb)"
else
  need_cc wasm-bindgen
  say "wasm-bindgen" "installing wasm-bindgen-cli $want_wb (found: ${have_wb:-none}; takes ~2 min)"
  # No --locked: the CLI's own lock file names a crate version the registry mirror lacks.
  run_quiet "wasm-bindgen" "cargo install failed (no access to crates.io?)." \
    cargo install wasm-bindgen-cli --version "$want_wb"
fi

# --- npm tools (wasm-opt, playwright-core) -----------------------------------
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm" "running npm ci"
  run_quiet "npm" "npm ci failed (no access to the npm registry?)." \
    npm ci --no-audit --no-fund
else
  say "npm" "ok (node_modules up to date)"
fi
have_opt=$(wasm-opt --version 2>/dev/null || true)
case "$have_opt" in
  *version_132*) ;;
  *) fail "wasm-opt" "expected binaryen 132 from node_modules/.bin, got: ${have_opt:-nothing}" ;;
esac

# --- browser ------------------------------------------------------------------
if [ "$BROWSER" -eq 1 ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium" "ok ($(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo present))"
  else
    command -v apt-get >/dev/null 2>&1 ||
      fail "chromium" "no apt-get; install chromium and chromedriver at /usr/bin yourself."
    say "chromium" "installing chromium chromium-driver via apt"
    run_quiet "chromium" "apt-get failed (no root/sudo, or no access to the Debian mirror?)." \
      apt_install chromium chromium-driver
  fi
fi

# --- PostgreSQL (the server's suites against a throwaway cluster: scripts/pg-cluster.sh) --------
if [ "$POSTGRES" -eq 1 ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ]; then
    say "postgresql" "ok ($("$pg_bin/postgres" --version 2>/dev/null || echo present))"
  else
    command -v apt-get >/dev/null 2>&1 ||
      fail "postgresql" "no apt-get; install PostgreSQL's server (initdb, pg_ctl) yourself."
    say "postgresql" "installing postgresql via apt"
    run_quiet "postgresql" "apt-get failed (no root/sudo, or no access to the Debian mirror?)." \
      apt_install postgresql
  fi
fi

# --- schemathesis (contract fuzzing) -----------------------------------------------
# In a virtual environment under target/, pinned, so the machine's Python stays as it is.
SCHEMATHESIS_VERSION=4.32.5
if [ "$FUZZ" -eq 1 ]; then
  have_st=$(target/venv/bin/schemathesis --version 2>/dev/null | awk '{print $NF}' || true)
  if [ "$have_st" = "$SCHEMATHESIS_VERSION" ]; then
    say "schemathesis" "ok ($SCHEMATHESIS_VERSION)"
  else
    need python3
    say "schemathesis" "installing $SCHEMATHESIS_VERSION into target/venv"
    if ! python3 -m venv --help >/dev/null 2>&1; then
      run_quiet "python3-venv" "apt-get failed (no root/sudo, or no access to the Debian mirror?)." \
        apt_install python3-venv
    fi
    run_quiet "schemathesis" "python3 -m venv failed." python3 -m venv target/venv
    run_quiet "schemathesis" "pip install failed (no access to PyPI?)." \
      target/venv/bin/pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
fi

# --- crates -------------------------------------------------------------------
# Later builds run with --offline, so every crate must already be in the local cache.
run_quiet "cargo fetch" "could not download crates (no access to crates.io?)." cargo fetch
say "cargo fetch" "ok"
