"""JupyterLab server for the Galata ui-tests only: fixed port, bound to 127.0.0.1, token
disabled (Galata's test configuration; never use it for a real server). The root folder is
a fresh copy of notebooks/ under ui-tests/.lab-root, so runs never write into the committed
notebooks and kernels still find the repository's deno.json and node_modules upward."""
import os
import shutil
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ROOT = HERE / ".lab-root"

shutil.rmtree(ROOT, ignore_errors=True)
ROOT.mkdir(parents=True)
shutil.copytree(REPO / "notebooks", ROOT / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "data"))
os.environ["JUPYTERLAB_GALATA_ROOT_DIR"] = str(ROOT)

configure_jupyter_server(c)  # noqa: F821 (c is injected by jupyter)

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ.get("UI_TESTS_JUPYTER_PORT", "30388"))  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
# Kernels and viewer servers started by the tests log here instead of the user's temp dir.
os.environ.setdefault("PIPELINE_VIEWER_LOG_DIR", str(HERE / "test-results" / "server-logs"))
c.ServerApp.allow_root = True  # noqa: F821 (CI and these machines run as root)
# No news feed nor update check, as in the project's JupyterLab (jupyter-config/project/,
# installed into the venv by scripts/setup.sh, which also makes `fetchNews` "false").
c.LabApp.news_url = None  # noqa: F821
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
