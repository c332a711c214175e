#!/usr/bin/env bash
# npm run bench [-- --profile | --heap | --list]: builds lib/ and bench/ to JS, makes sure LiveViewJS is
# installed in its own folder, raises the open-file limit for the 10k-connection scenario
# and runs the harness (bench/run.ts). Env knobs: see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

# Idle scenario holds up to 10k sockets in the client and in the server: raise the soft
# limit to the hard one (children inherit it). The harness skips steps the limit forbids.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

if [ ! -d bench/liveviewjs/node_modules/liveviewjs ] || [ ! -d bench/liveviewjs/node_modules/@liveviewjs/express ]; then
  echo "[bench] installing LiveViewJS into bench/liveviewjs (npm ci)" >&2
  npm ci --prefix bench/liveviewjs --no-audit --no-fund --loglevel=error >&2
fi

# Compiled JS (not ts-node) so the servers run as in production and profiles show no loader.
# tsc emits even with type errors elsewhere in a tree other people are editing; a real
# failure shows as a missing file below.
node node_modules/typescript/bin/tsc -p bench/tsconfig.json >&2 || echo "[bench] tsc reported errors (output emitted anyway)" >&2
build=bench/results/.build
[ -f "$build/bench/run.js" ] || { echo "[bench] build failed: $build/bench/run.js missing" >&2; exit 1; }
# lib/ finds views/ and public/ next to itself (../views, ../public).
ln -sfn "$root/views" "$build/views"
ln -sfn "$root/public" "$build/public"

BENCH_ROOT="$root" node "$build/bench/run.js" "$@"

# Several processes (not with --profile): broadcast from one process to 1,000 subscribers spread
# over two, and an SSE POST forwarded to the process holding the stream vs sent to it directly,
# both through a redis-server of its own (bench/cross-process.ts prints its table and JSON).
if [ "${1:-}" != "--profile" ] && [ "${1:-}" != "--heap" ] && [ "${1:-}" != "--list" ] && [ "${1:-}" != "--uploads" ]; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "[bench] cross-process through Redis (bench/cross-process.ts)" >&2
    if [ -n "${BENCH_QUICK:-}" ]; then export SUBSCRIBERS="${SUBSCRIBERS:-300}" ROUNDS="${ROUNDS:-10}"; fi
    # bounded twice: the script's own deadline (CROSS_TIMEOUT_MS, it stops redis-server and its
    # processes and names the step it was in), then this one, which sends SIGTERM (the script
    # stops everything on it) and SIGKILL 15 s later.
    timeout --signal=TERM --kill-after=15 "${BENCH_CROSS_TIMEOUT_S:-420}" node node_modules/ts-node/dist/bin.js --transpile-only bench/cross-process.ts
  else
    echo "[bench] cross-process skipped: redis-server is missing (apt-get install -y redis-server)" >&2
    exit 1
  fi
fi
