#!/usr/bin/env bash
# `npm start`: set everything up (idempotent), then start JupyterLab from the project's
# venv with the demo notebook open. Extra arguments go to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$(pwd)/.venv/bin:$PATH"
ROOT_FLAG=()
[ "$(id -u)" = 0 ] && ROOT_FLAG=(--allow-root)
exec jupyter lab "${ROOT_FLAG[@]}" --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(pwd)" \
  --LabApp.default_url=/lab/tree/notebooks/demo.ipynb "$@"
