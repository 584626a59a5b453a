#!/usr/bin/env bash
# Idempotent set-up of everything `npm start` and `npm test` need, from the project's own
# files: Debian Chromium, npm packages, a project-local Python venv with JupyterLab, the
# compiled TypeScript, the built JupyterLab extension installed into the venv, and Deno's
# Jupyter kernel registered inside the venv (never in the user's home).
# Each step is skipped when its result is already up to date. Quiet: one line per step with
# its time; the tools' own output goes to build/setup.log, named (with its tail) on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
# The Python environment JupyterLab runs from: the project-local .venv, or an existing one
# named by PIPELINE_VIEWER_ENV (Binder's conda env, whose jupyter serves the notebooks there).
VENV="${PIPELINE_VIEWER_ENV:-$ROOT/.venv}"
mkdir -p build
LOG="$ROOT/build/setup.log"
printf '== setup %s\n' "$(date -u +%FT%TZ)" >"$LOG"
say() { printf '[setup] %s\n' "$*"; }

# step NAME COMMAND...: runs the command with its output in the log; prints NAME and seconds.
step() {
  local name="$1" start="$EPOCHREALTIME"
  shift
  printf '\n== %s\n' "$name" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    say "$name: FAILED; full log: $LOG, its end:"
    tail -n 25 "$LOG" | sed 's/^/    /'
    exit 1
  fi
  local ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
  say "$(printf '%-44s %4d.%d s' "$name" $((ms / 1000)) $((ms % 1000 / 100)))"
}

# 1. Chromium for the Galata ui-tests comes from Debian, never from a browser download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
install_chromium() {
  timeout 900 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq chromium
}
# Only the ui-tests need it, and they run from the project's .venv: not for PIPELINE_VIEWER_ENV.
if [ -z "${PIPELINE_VIEWER_ENV:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "Debian chromium (apt-get)" install_chromium
  else
    say "WARNING: /usr/bin/chromium is missing; install it with 'sudo apt-get install chromium' to run the ui-tests"
  fi
fi

# 1b. Redis for the queue executor's tests (docs/cluster.md): Debian's redis-server. The
# tests start their own instance on a private Unix socket; the system service is not used.
install_redis() {
  timeout 900 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq redis-server
}
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "Debian redis-server (apt-get)" install_redis
  else
    say "WARNING: redis-server is missing; install it with 'sudo apt-get install redis-server' to run the cluster tests"
  fi
fi

# 2. npm packages, exactly as in package-lock.json (skipped when node_modules is newer). The
# lock lists the `deno` package's binaries for every platform; npm installs this one's.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci" timeout 1200 npm ci --no-audit --no-fund
fi

# 3. Project-local Python environment with pinned JupyterLab + jupyter-server-proxy.
REQ="scripts/requirements.txt"
if [ ! -x "$VENV/bin/python" ]; then
  [ -z "${PIPELINE_VIEWER_ENV:-}" ] || { echo "PIPELINE_VIEWER_ENV=$VENV has no bin/python" >&2; exit 1; }
  step "python venv $VENV" python3 -m venv "$VENV"
fi
pip_install() {
  timeout 1200 "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/.requirements.stamp"
}
if [ ! -f "$VENV/.requirements.stamp" ] || ! cmp -s "$REQ" "$VENV/.requirements.stamp"; then
  step "pip install -r $REQ" pip_install
fi
# 3b. OpenHCS 0.8.6's streaming client (tests/openhcs, notebooks/openhcs.ipynb), pinned and
# without its dependency tree (torch, napari, Qt): its own step and stamp.
OREQ="scripts/requirements-openhcs.txt"
pip_install_openhcs() {
  timeout 1200 "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$OREQ"
  cp "$OREQ" "$VENV/.requirements-openhcs.stamp"
}
if [ ! -f "$VENV/.requirements-openhcs.stamp" ] || ! cmp -s "$OREQ" "$VENV/.requirements-openhcs.stamp"; then
  step "pip install --no-deps -r $OREQ" pip_install_openhcs
fi
# The venv lives inside this "type": "module" package: mark it CommonJS so Node tools that
# JupyterLab runs from it (jupyter_builder's yarn.js) are not loaded as ES modules.
[ -n "${PIPELINE_VIEWER_ENV:-}" ] || [ -f "$VENV/package.json" ] || echo '{ "type": "commonjs" }' >"$VENV/package.json"
export PATH="$VENV/bin:$PATH"

# 4. TypeScript → lib/ (incremental).
step "tsc -b" timeout 600 npx tsc -b

# 5. The prebuilt JupyterLab extension (webpack), rebuilt only when its inputs changed.
OUT="jupyterlab_pipeline_viewer/labextension/package.json"
if [ ! -f "$OUT" ] || [ -n "$(find lib/labextension lib/viewer-widget lib/protocol style schema package.json -newer "$OUT" -print -quit 2>/dev/null)" ]; then
  step "jupyter labextension build" timeout 1200 npm run --silent build:labextension
fi

# 6. The Python package (server extension + labextension) installed into the venv.
if ! "$VENV/bin/python" -m pip show -q jupyterlab_pipeline_viewer >/dev/null 2>&1; then
  # The extension is built above; the hatch hook would run npm install + build again.
  step "pip install -e ." env SKIP_JUPYTER_BUILDER=1 timeout 600 "$VENV/bin/python" -m pip install -q \
    --disable-pip-version-check --no-build-isolation -e .
fi
# A symlink to the build, so JupyterLab serves every rebuild (the editable install copies it).
if [ ! -L "$VENV/share/jupyter/labextensions/jupyterlab-pipeline-viewer" ]; then
  step "jupyter labextension develop" "$VENV/bin/jupyter" labextension develop --overwrite .
fi
if [ ! -f "$VENV/etc/jupyter/jupyter_server_config.d/jupyterlab_pipeline_viewer.json" ]; then
  step "jupyter server extension enable" "$VENV/bin/jupyter" server extension enable --sys-prefix jupyterlab_pipeline_viewer
fi
# The project's own JupyterLab settings (no news toast over the viewer): each JSON file of
# jupyter-config/project/ is merged into the same path under the env (keys already there and
# not ours are kept). Not part of the wheel: other installs keep their JupyterLab as it was.
"$VENV/bin/python" - "$VENV" <<'PY'
import json, pathlib, sys
src, env = pathlib.Path("jupyter-config/project"), pathlib.Path(sys.argv[1])
def merge(into, new):
    for k, v in new.items():
        into[k] = merge(into.get(k, {}), v) if isinstance(v, dict) and isinstance(into.get(k), dict) else v
    return into
for f in sorted(src.rglob("*.json")):
    dest = env / f.relative_to(src)
    old = json.loads(dest.read_text()) if dest.exists() else {}
    new = merge(json.loads(json.dumps(old)), json.loads(f.read_text()))
    if new != old:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(new, indent=2) + "\n")
PY

# 7. Deno's kernel (binary from the `deno` npm package), registered inside the venv.
DENO_BIN="$(node -p "require('./node_modules/deno/install_api.cjs').runInstall()")"
KDIR="$VENV/share/jupyter/kernels/deno"
mkdir -p "$KDIR"
DENO_BIN="$DENO_BIN" KDIR="$KDIR" node -e '
const fs = require("fs");
const spec = {
  argv: [process.env.DENO_BIN, "jupyter", "--kernel", "--conn", "{connection_file}"],
  display_name: "Deno (TypeScript)",
  language: "typescript"
};
fs.writeFileSync(process.env.KDIR + "/kernel.json", JSON.stringify(spec, null, 2) + "\n");
'
KERNELS="$("$VENV/bin/jupyter" kernelspec list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Object.keys(JSON.parse(s).kernelspecs).join(", ")))')"
say "ready: JupyterLab $("$VENV/bin/jupyter" lab --version), kernels: $KERNELS (log: build/setup.log)"
