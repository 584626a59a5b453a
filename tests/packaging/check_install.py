"""Checks an installation made only from the released artifacts (run by artifacts.sh with the
temporary venv's python, in a folder outside the repository):

1. the demo notebook runs headless in the Deno kernel (nbclient), importing the npm package;
2. the viewer server it started holds the streamed layers (`pipeline-viewer server status`);
3. the wheel's server extension answers: `jupyter lab` from the venv, its
   `pipeline-viewer/server` handler called with the token reports the same layers;
4. the panel loads in that JupyterLab and shows those layers (panel-check.mjs, Chromium).

Usage: python check_install.py LAB_DIR DATA_PORT JUPYTER_PORT PANEL_CHECK_SCRIPT
Every wait is bounded; every process started here is stopped before it returns."""
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
from nbclient import NotebookClient

LAB, PORT, JUPYTER_PORT, PANEL_CHECK = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
CLI = LAB / "node_modules" / ".bin" / "pipeline-viewer"
# The demo streams the max projections of 4 wells (its well filter) × 2 sites × 3 channels.
STREAMED_IMAGES = 4 * 2 * 3


def fail(message):
    sys.exit(f"packaging check failed: {message}")


def cli(*args):
    out = subprocess.run([str(CLI), "server", *args, "--port", str(PORT)], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        fail(f"pipeline-viewer server {' '.join(args)} exited {out.returncode}: {out.stderr.strip()}")
    return out.stdout


def run_notebook():
    path = LAB / "notebooks" / "demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="deno", timeout=300, startup_timeout=120,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        fail(f"the demo notebook raised {errors[0].get('ename')}: {errors[0].get('evalue')}")


def layer_images(status):
    return {layer["key"]: layer["image_count"] for layer in status["layers"]}


def get(url, token, timeout_s=10):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.loads(response.read())


def wait_until_up(proc, url, token, log, bound_s=90):
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"jupyter lab exited {proc.returncode}; see {log}")
        try:
            return get(url, token, timeout_s=2)
        except OSError:
            time.sleep(0.5)
    fail(f"jupyter lab did not answer {url} within {bound_s} s; see {log}")


def check_server_extension(layers):
    token = secrets.token_hex(16)
    log = LAB / "jupyter.log"
    base = f"http://127.0.0.1:{JUPYTER_PORT}"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={JUPYTER_PORT}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={LAB}",
             "--LabApp.expose_app_in_browser=True"],
            cwd=LAB, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, f"{base}/api/status", token, log)
        try:
            reply = get(f"{base}/pipeline-viewer/server?port={PORT}", token, timeout_s=40)
        except urllib.error.HTTPError as e:
            fail(f"the server extension answered {e.code}: {e.read().decode(errors='replace')[:300]}")
        if not reply.get("ok"):
            fail(f"the server extension's status call failed: {reply}")
        if layer_images(json.loads(reply["stdout"])) != layers:
            fail(f"the server extension reported other layers than the CLI: {reply['stdout'][:300]}")
        subprocess.run(["node", PANEL_CHECK, base, token, str(PORT), str(len(layers))], check=True, timeout=240)
    except subprocess.CalledProcessError as e:
        fail(f"the panel check exited {e.returncode} (its output is above; JupyterLab's log: {log})")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main():
    if os.environ.get("PIPELINE_VIEWER_CLI"):
        fail("PIPELINE_VIEWER_CLI is set; the check must find the CLI as an installation does")
    try:
        run_notebook()
        layers = layer_images(json.loads(cli("status")))
        if sum(layers.values()) != STREAMED_IMAGES:
            fail(f"the viewer server holds {layers}, expected the demo's {STREAMED_IMAGES} streamed images")
        check_server_extension(layers)
        print(f"packaging check: {len(layers)} layer(s), {sum(layers.values())} image(s) streamed and served")
    finally:
        subprocess.run([str(CLI), "server", "stop", "--port", str(PORT)], capture_output=True, timeout=60)


main()
