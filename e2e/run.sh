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
# A bureau outside the demo, whose list is still a draft: the browser uploads it.
"$bin" gen enterprises --rows 500 --bureau 44 --out "$work/广东名单.csv" > /dev/null
echo "yinqi-demo-2019" | "$bin" --database "sqlite:$work/e2e.db" user add --role bureau_staff \
  --username guangdong --name 广东银保监局 --bureau 44 --password-stdin > /dev/null
"$bin" --database "sqlite:$work/e2e.db" serve --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
cd e2e
[ -d node_modules/playwright-core ] || npm ci --silent
# The demo prints two sample enterprise links and manager02's activation code.
enterprise_code=$(grep -o '/q/[0-9A-Z]\{12\}' "$work/demo.log" | head -1 | cut -c4-)
enterprise_code_2=$(grep -o '/q/[0-9A-Z]\{12\}' "$work/demo.log" | sed -n 2p | cut -c4-)
manager_code=$(grep -o '激活码 [0-9A-Z-]\{14\}' "$work/demo.log" | head -1 | cut -d' ' -f2)
ENTERPRISE_CODE="$enterprise_code" MANAGER_CODE="$manager_code" \
UPLOAD_FILE="$work/广东名单.csv" BASE_URL="http://127.0.0.1:$port" SCREENSHOT_DIR="$root/target/screenshots" node screenshots.mjs
# The enterprise's flow on a phone, with JavaScript on (first link) and off (second link).
ENTERPRISE_CODE="$enterprise_code" ENTERPRISE_CODE_2="$enterprise_code_2" \
BASE_URL="http://127.0.0.1:$port" SCREENSHOT_DIR="$root/target/screenshots" node enterprise.mjs
BASE_URL="http://127.0.0.1:$port" SCREENSHOT_DIR="$root/target/screenshots" node manager.mjs
YINQI_BIN="$bin" YINQI_DATABASE="sqlite:$work/e2e.db" BASE_URL="http://127.0.0.1:$port" SCREENSHOT_DIR="$root/target/screenshots" node dashboards.mjs
