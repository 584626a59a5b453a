#!/usr/bin/env bash
# The released artifacts work alone: builds the wheel (`python -m build`) and the npm package
# (`npm pack`), installs them as a user would into a fresh venv and folder under /tmp, with
# the lowest supported JupyterLab from PyPI (pyproject.toml's lower bound; the project's
# .venv has the highest), the Deno kernel from the `deno` npm package, then runs
# check_install.py there (demo notebook, viewer server status, server extension, panel).
# Nothing of the repository is on PATH or importable there; the checkout only provides the
# artifacts and the browser driver. Log: build/packaging-test.log; KEEP=1 keeps the temp
# folder. Usage: bash tests/packaging/artifacts.sh [JUPYTERLAB_VERSION]
# Data port 21700 (and 22700, 24700) and Jupyter port 21750: this test's range.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/packaging"
PY="$ROOT/.venv/bin/python"
LOWEST="$("$PY" -c 'import re,tomllib;d=tomllib.load(open("'"$ROOT"'/pyproject.toml","rb"))["project"]["dependencies"];print(next(re.search(r">=([\d.]+)",x).group(1) for x in d if x.startswith("jupyterlab")))')"
JUPYTERLAB="${1:-$LOWEST}"
DENO_VERSION="$(node -p "require('$ROOT/package-lock.json').packages['node_modules/deno'].version")"
DATA_PORT="${PACKAGING_DATA_PORT:-21700}"
JUPYTER_PORT="${PACKAGING_JUPYTER_PORT:-21750}"

WORK="$(mktemp -d /tmp/plv-packaging.XXXXXX)"
mkdir -p "$ROOT/build"
LOG="$ROOT/build/packaging-test.log"
: >"$LOG"
cleanup() {
  # The viewer server is detached: stop it by its record if a step failed before check_install did.
  [ -x "$WORK/lab/node_modules/.bin/pipeline-viewer" ] &&
    PIPELINE_VIEWER_HOME="$WORK/viewer-home" timeout 60 "$WORK/lab/node_modules/.bin/pipeline-viewer" \
      server stop --port "$DATA_PORT" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "[packaging] kept $WORK (KEEP=1)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT # a timeout or Ctrl-C still stops the detached viewer server
step() {
  local name="$1" start=$SECONDS
  shift
  if ! "$@" >>"$LOG" 2>&1; then
    echo "[packaging] $name failed; its output: $LOG" >&2
    tail -n 30 "$LOG" >&2
    exit 1
  fi
  printf '[packaging] %-48s %3ds\n' "$name" $((SECONDS - start))
}

build_artifacts() {
  # The labextension is built by set-up; the hatch hook then skips npm (skip-if-exists).
  (cd "$ROOT" && "$PY" -m build --wheel --no-isolation --outdir "$WORK/dist" . &&
    npm pack --silent --pack-destination "$WORK/dist")
}
make_venv() {
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check --no-compile \
    "$WORK"/dist/*.whl "jupyterlab==$JUPYTERLAB" nbclient
}
install_npm_package() {
  mkdir -p "$WORK/lab/notebooks"
  cp "$ROOT/notebooks/demo.ipynb" "$WORK/lab/notebooks/"
  echo '{ "private": true }' >"$WORK/lab/package.json"
  (cd "$WORK/lab" && npm install --no-audit --no-fund --loglevel=error "$WORK"/dist/*.tgz "deno@$DENO_VERSION")
}
register_kernel() {
  local deno
  deno="$(cd "$WORK/lab" && node -p "require('./node_modules/deno/install_api.cjs').runInstall()")"
  mkdir -p "$WORK/venv/share/jupyter/kernels/deno"
  printf '{"argv": ["%s", "jupyter", "--kernel", "--conn", "{connection_file}"], "display_name": "Deno", "language": "typescript"}\n' \
    "$deno" >"$WORK/venv/share/jupyter/kernels/deno/kernel.json"
}

step "wheel + npm package" build_artifacts
step "venv: wheel + jupyterlab==$JUPYTERLAB + nbclient" make_venv
step "npm install the package + deno@$DENO_VERSION" install_npm_package
step "Deno kernel in the venv" register_kernel

# A user's environment: the temp venv and node first, nothing of the repository, own homes.
export PATH="$WORK/venv/bin:$(dirname "$(command -v node)"):/usr/bin:/bin"
export PIPELINE_VIEWER_HOME="$WORK/viewer-home" PIPELINE_VIEWER_PORT="$DATA_PORT"
export JUPYTER_CONFIG_DIR="$WORK/jupyter-config" JUPYTER_DATA_DIR="$WORK/jupyter-data"
export JUPYTERLAB_SETTINGS_DIR="$WORK/lab-settings" JUPYTERLAB_WORKSPACES_DIR="$WORK/lab-workspaces"
unset PIPELINE_VIEWER_CLI PYTHONPATH VIRTUAL_ENV
cd "$WORK/lab"
start=$SECONDS
if ! "$WORK/venv/bin/python" "$HERE/check_install.py" "$WORK/lab" "$DATA_PORT" "$JUPYTER_PORT" "$HERE/panel-check.mjs" >>"$LOG" 2>&1; then
  echo "[packaging] check_install failed; its output: $LOG" >&2
  tail -n 30 "$LOG" >&2
  exit 1
fi
printf '[packaging] %-48s %3ds\n' "notebook, status, server extension, panel" $((SECONDS - start))
grep -h '^packaging check:\|^panel check:' "$LOG"
