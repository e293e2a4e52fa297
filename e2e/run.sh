#!/usr/bin/env bash
# Builds the binary, loads the demo into a fresh database, serves it, and runs the browser
# checks against it. Screenshots land in target/screenshots/. Needs Debian's chromium
# (.ci/run installs it) and Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/e2e"
rm -rf "$work" && mkdir -p "$work"
cargo build -q -p yinqi
bin="$root/target/debug/yinqi"
port="${E2E_PORT:-18081}"
(cd "$work" && "$bin" --database "sqlite:$work/e2e.db" demo --rows 2000 --no-serve > demo.log)
"$bin" --database "sqlite:$work/e2e.db" serve --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
cd e2e
[ -d node_modules/playwright-core ] || npm ci --silent
BASE_URL="http://127.0.0.1:$port" SCREENSHOT_DIR="$root/target/screenshots" node screenshots.mjs
