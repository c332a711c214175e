#!/usr/bin/env bash
# npm run soak [-- freeze floods order fuzz lifted fanout]: builds lib/ and bench/ to JS (as bench/run.sh
# does) and runs the soak (bench/soak.ts) against its server in a child process. Env knobs:
# see bench/README.md ("Soak").
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

# 1,000 connections open in this process and in the server: raise the soft open-file limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

# tsc emits even with type errors elsewhere in a tree other people are editing; a real
# failure shows as a missing file below.
node node_modules/typescript/bin/tsc -p bench/tsconfig.json >&2 || echo "[soak] tsc reported errors (output emitted anyway)" >&2
build=bench/results/.build
[ -f "$build/bench/soak.js" ] || { echo "[soak] build failed: $build/bench/soak.js missing" >&2; exit 1; }
# lib/ finds views/ and public/ next to itself (../views, ../public).
ln -sfn "$root/views" "$build/views"
ln -sfn "$root/public" "$build/public"

BENCH_ROOT="$root" exec node "$build/bench/soak.js" "$@"
