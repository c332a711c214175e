#!/usr/bin/env bash
# bench/indep.sh: the independent counter harness (bench/indep.ts). Builds this tree like
# run.sh, and the base (INDEP_BASE_SRC: a checkout of the commit to compare, e.g.
# `git worktree add --detach ../base <commit>`; none by default) into
# bench/results/.build-base: the base's lib/ compiled from its own sources (read only), under
# this tree's bench servers, so only lib/ differs between "djust-base" and "djust".
# Env knobs: see bench/indep.ts and bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

if [ ! -d bench/liveviewjs/node_modules/liveviewjs ]; then
  npm ci --prefix bench/liveviewjs --no-audit --no-fund --loglevel=error >&2
fi
node node_modules/typescript/bin/tsc -p bench/tsconfig.json >&2 || echo "[indep] tsc reported errors (output emitted anyway)" >&2
build=bench/results/.build
[ -f "$build/bench/indep.js" ] || { echo "[indep] build failed: $build/bench/indep.js missing" >&2; exit 1; }
ln -sfn "$root/views" "$build/views"
ln -sfn "$root/public" "$build/public"

base_src="${INDEP_BASE_SRC-}"
if [ -n "$base_src" ] && [ ! -f "$base_src/bench/tsconfig.json" ]; then
  echo "[indep] no base at $base_src (INDEP_BASE_SRC): djust-base skipped" >&2
  base_src=""
fi
if [ -n "$base_src" ]; then
  base="$root/bench/results/.build-base"
  mkdir -p "$base"
  # outDir and build info inside this tree: nothing is written to the base's folder.
  node node_modules/typescript/bin/tsc -p "$base_src/bench/tsconfig.json" --outDir "$base" --tsBuildInfoFile "$base/.tsbuildinfo" >&2 || echo "[indep] base tsc reported errors (output emitted anyway)" >&2
  cp "$build"/bench/*.js "$base/bench/"
  ln -sfn "$base_src/views" "$base/views"
  ln -sfn "$base_src/public" "$base/public"
  export INDEP_BASE_BUILD="$base"
  echo "[indep] base: $base_src ($(git -C "$base_src" rev-parse --short HEAD 2>/dev/null || echo '?'))" >&2
fi
BENCH_ROOT="$root" node "$build/bench/indep.js" "$@"
