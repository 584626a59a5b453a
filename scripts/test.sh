#!/usr/bin/env bash
# `npm test`: set up what is needed, then run every test: typecheck, jest (unit and
# integration), Deno tests, and the Galata ui-tests in a real JupyterLab with Debian
# Chromium. Fails on the first failing stage; every stage is bounded in time; no stdin.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CI="${CI:-true}"

stage() { printf '\n[test] === %s ===\n' "$*"; }

stage "setup"
bash scripts/setup.sh </dev/null
export PATH="$(pwd)/.venv/bin:$PATH"

stage "typecheck (tsc -p tsconfig.test.json)"
timeout 600 npx tsc -p tsconfig.test.json
timeout 600 npx tsc -p ui-tests/tsconfig.json

stage "lint (eslint + prettier)"
timeout 600 npm run --silent lint

stage "API reference (docs/api/ matches the TSDoc of the public exports)"
timeout 600 node scripts/api-docs.mjs --check

stage "jest"
NODE_OPTIONS=--experimental-vm-modules timeout 1800 npx jest --ci </dev/null

stage "bench --short (every suite runs and prints its figures; the figures are not checked)"
timeout 1500 node scripts/bench.mjs --short </dev/null

if [ -d tests/deno ]; then
  stage "deno test"
  timeout 600 node_modules/.bin/deno test -A tests/deno/ </dev/null
fi

stage "packaging: wheel + npm package installed into a fresh venv with the lowest JupyterLab"
timeout 900 bash tests/packaging/artifacts.sh </dev/null

stage "Galata ui-tests"
(cd ui-tests && timeout 1800 npx playwright test </dev/null)
stage "all stages passed"
