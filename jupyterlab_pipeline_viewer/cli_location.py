"""Where the server extension finds the viewer server's CLI, `pipeline-viewer`.

The wheel carries the panel (prebuilt labextension) and this server extension, but no
JavaScript of the viewer server: that is the npm package `jupyterlab-pipeline-viewer`, which
the Deno notebooks import anyway and whose server needs a platform-specific ZeroMQ addon (a
copy in the wheel would make it one wheel per platform, ~70 MB; see docs/install.md). So the
CLI is looked up, first match wins:

1. `PIPELINE_VIEWER_CLI` (a path to `bin/pipeline-viewer.js`), for any other layout;
2. this source tree's `bin/pipeline-viewer.js` (an editable install, `npm start`);
3. `node_modules/.bin/pipeline-viewer` in the Jupyter server's working folder or a parent
   (`npm install jupyterlab-pipeline-viewer` next to the notebooks);
4. `pipeline-viewer` on PATH (`npm install -g jupyterlab-pipeline-viewer`).
"""
import os
import shutil
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
NPM_PACKAGE = "jupyterlab-pipeline-viewer"
INSTALL_HINT = (
    f"install the npm package next to your notebooks (npm install {NPM_PACKAGE}) or globally "
    f"(npm install -g {NPM_PACKAGE}), or set PIPELINE_VIEWER_CLI to its bin/pipeline-viewer.js"
)


class CliNotFound(RuntimeError):
    """No `pipeline-viewer` CLI was found; the message says where it looked and what to do."""


def _source_tree_cli():
    repo = PACKAGE_DIR.parent
    cli = repo / "bin" / "pipeline-viewer.js"
    # Only our own checkout: a wheel installed into site-packages has no bin/ beside it.
    return cli if cli.is_file() and (repo / "package.json").is_file() else None


def _node_modules_cli(start):
    for folder in (start, *start.parents):
        cli = folder / "node_modules" / ".bin" / "pipeline-viewer"
        if cli.exists():
            return cli.resolve()
    return None


def find_cli(cwd=None):
    """The path of the `pipeline-viewer` CLI script (a .js file run with node)."""
    configured = os.environ.get("PIPELINE_VIEWER_CLI")
    if configured:
        if not Path(configured).is_file():
            raise CliNotFound(f"PIPELINE_VIEWER_CLI={configured} is not a file; point it at bin/pipeline-viewer.js")
        return Path(configured)
    start = Path(cwd or os.getcwd()).resolve()
    found = _source_tree_cli() or _node_modules_cli(start)
    if found:
        return found
    on_path = shutil.which("pipeline-viewer")
    if on_path:
        return Path(on_path).resolve()
    raise CliNotFound(
        f"the viewer server's CLI 'pipeline-viewer' was not found (looked in PIPELINE_VIEWER_CLI, "
        f"node_modules/.bin of {start} and its parents, and PATH); {INSTALL_HINT}"
    )
