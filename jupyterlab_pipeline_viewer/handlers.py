"""Authenticated HTTP hook that runs the viewer server's CLI (`pipeline-viewer server
start|stop|status|clear|connect --port N`, `server list`). The browser cannot start processes itself; this
handler keeps that power behind Jupyter's login (and its XSRF check for POST).

`POST pipeline-viewer/connect {"port": N}` gives the logged-in user the actual ports and
the browser token of their server for N: the panel sends that token on every request to the
viewer server (which refuses requests without it), so only pages of this Jupyter login, not
any local program or web page, can read it. The token is never logged nor cached here.
Its `ready` is true once the server answers ping: until then the panel waits, so
jupyter-server-proxy never proxies to a port that is not bound yet.

`GET pipeline-viewer/servers` lists this user's running viewer servers (from their records
in the viewer home, never by probing other users' ports), newest first, without secrets:
what "Open Pipeline Viewer" offers when no port is named.

`POST pipeline-viewer/open {"path": P, "port": N}` shows the plate folder P (a path of the
file browser, relative to Jupyter's root folder) in this user's viewer server for N, starting
that server first if none runs (as the panel's Start does), through `pipeline-viewer open`.
P must resolve, symlinks followed, inside the root folder: the browser names files only
there, so nothing else on the machine can be opened through this endpoint. A folder that is
no plate answers 422 with the reader's message (an expected error: no traceback)."""
import asyncio
import json
import os
import shutil
from pathlib import Path

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .cli_location import find_cli

ACTIONS = ("start", "stop", "status", "clear")
HERE = Path(__file__).resolve().parent
# The CLI checks the port range (protocol's one check); its exit code 2 means bad input.
USAGE_EXIT_CODE = 2
CLI_TIMEOUT_S = 30
# `open` waits up to 40 s for the plate's reader (cli.ts OPEN_TIMEOUT_MS): a little more here.
OPEN_TIMEOUT_S = 50


def cli_command(action, port):
    """`node <pipeline-viewer CLI> server <action> --port N`; cli_location.py says where the
    CLI is looked for (CliNotFound is a RuntimeError saying how to install it). port None:
    no --port (`server list`)."""
    return node_cli(["server", action] + ([] if port is None else ["--port", str(port)]))


def node_cli(args):
    node = os.environ.get("PIPELINE_VIEWER_NODE") or shutil.which("node")
    if not node:
        raise RuntimeError("node was not found on PATH; set PIPELINE_VIEWER_NODE to the node binary")
    return [node, str(find_cli())] + args


def parse_port(value):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise tornado.web.HTTPError(400, f"port must be an integer, got {value!r}")
    return port


async def run_cli(action, port, command=None, timeout_s=CLI_TIMEOUT_S):
    """Runs `server <action>` (or `command`, a node_cli list) within timeout_s."""
    proc = await asyncio.create_subprocess_exec(
        *(command or cli_command(action, port)),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        name = "open" if command else f"server {action}"
        return {"action": action, "port": port, "ok": False, "exit_code": None,
                "stdout": "", "stderr": f"'{name}' did not finish within {timeout_s} s"}
    return {"action": action, "port": port, "ok": proc.returncode == 0, "exit_code": proc.returncode,
            "stdout": out.decode(errors="replace").strip(), "stderr": err.decode(errors="replace").strip()}


async def connect_info(port):
    """`server connect --port N` as {port, ok, ports, browser_token} (ok false: no server of
    this user answers for N); only these fields, so nothing else of the CLI's output leaks."""
    try:
        result = await run_cli("connect", port)
    except RuntimeError as e:
        raise tornado.web.HTTPError(500, str(e))
    if result["exit_code"] == USAGE_EXIT_CODE:
        raise tornado.web.HTTPError(400, result["stderr"].splitlines()[0] if result["stderr"] else "bad request")
    if not result["ok"]:
        return {"port": port, "ok": False, "stderr": result["stderr"]}
    try:
        out = json.loads(result["stdout"])
        ports = {k: int(out["ports"][k]) for k in ("data", "control", "http")}
        token = str(out["browser_token"])
        ready = bool(out.get("ready", True))
        pid = int(out["pid"])
    except (ValueError, KeyError, TypeError) as e:
        raise tornado.web.HTTPError(500, f"'server connect' printed no ports and browser_token ({e!r})")
    return {"port": port, "ok": True, "ready": ready, "pid": pid, "ports": ports, "browser_token": token}


async def list_servers():
    """`server list` as {servers: [{requested_port, pid, started_at, ports}]} (no secrets)."""
    try:
        result = await run_cli("list", None)
    except RuntimeError as e:
        raise tornado.web.HTTPError(500, str(e))
    if not result["ok"]:
        raise tornado.web.HTTPError(500, f"'server list' failed: {result['stderr'] or result['stdout']}")
    try:
        servers = json.loads(result["stdout"])["servers"]
        return {"servers": [
            {"requested_port": int(s["requested_port"]), "pid": int(s["pid"]),
             "started_at": float(s["started_at"]),
             "ports": {k: int(s["ports"][k]) for k in ("data", "control", "http")}}
            for s in servers
        ]}
    except (ValueError, KeyError, TypeError) as e:
        raise tornado.web.HTTPError(500, f"'server list' printed no server list ({e!r})")


class ViewerConnectHandler(APIHandler):
    @tornado.web.authenticated
    async def post(self):
        body = self.get_json_body() or {}
        port = parse_port(body.get("port"))
        info = await connect_info(port)
        # A token must not sit in a browser or proxy cache.
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(info))


class ViewerServersHandler(APIHandler):
    @tornado.web.authenticated
    async def get(self):
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(await list_servers()))


class ViewerServerHandler(APIHandler):
    @tornado.web.authenticated
    async def get(self):
        port = parse_port(self.get_query_argument("port", None))
        self.finish(json.dumps(await self._run("status", port)))

    @tornado.web.authenticated
    async def post(self):
        body = self.get_json_body() or {}
        action = body.get("action")
        if action not in ACTIONS:
            raise tornado.web.HTTPError(400, f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        port = parse_port(body.get("port"))
        self.finish(json.dumps(await self._run(action, port)))

    async def _run(self, action, port):
        try:
            result = await run_cli(action, port)
        except RuntimeError as e:
            raise tornado.web.HTTPError(500, str(e))
        if result["exit_code"] == USAGE_EXIT_CODE:
            # Bad input the CLI refused (e.g. a port outside the range): its first line says why.
            raise tornado.web.HTTPError(400, result["stderr"].splitlines()[0] if result["stderr"] else "bad request")
        return result


def plate_folder(root_dir, api_path):
    """The folder a file-browser path names (relative to Jupyter's root folder, '/'-separated),
    symlinks resolved; an HTTPError when it is not a folder inside the root."""
    if not isinstance(api_path, str) or not api_path.strip("/"):
        raise tornado.web.HTTPError(400, f"path must name a plate folder under Jupyter's root folder, got {api_path!r}")
    root = Path(root_dir).resolve()
    folder = (root / api_path.lstrip("/")).resolve()
    if folder != root and root not in folder.parents:
        raise tornado.web.HTTPError(
            403, f"'{api_path}' is outside Jupyter's root folder {root}; only folders under it can be opened here "
                 f"(from a terminal: pipeline-viewer open PATH)")
    if not folder.is_dir():
        raise tornado.web.HTTPError(
            404 if not folder.exists() else 400,
            f"'{api_path}' {'is no folder' if folder.exists() else 'does not exist'} under Jupyter's root folder; "
            f"open a plate folder (an OME-Zarr .zarr or a plate export)")
    return folder


def cli_reason(result):
    """The CLI's own sentence, without its 'pipeline-viewer: ' prefix and usage text."""
    text = (result["stderr"] or result["stdout"] or f"exit {result['exit_code']}").splitlines()[0]
    return text.removeprefix("pipeline-viewer: ")


class ViewerOpenHandler(APIHandler):
    @tornado.web.authenticated
    async def post(self):
        body = self.get_json_body() or {}
        port = parse_port(body.get("port"))
        root_dir = getattr(self.contents_manager, "root_dir", None) or self.settings["server_root_dir"]
        folder = plate_folder(root_dir, body.get("path"))
        try:
            started = await run_cli("start", port)
            if started["exit_code"] == USAGE_EXIT_CODE:
                raise tornado.web.HTTPError(400, cli_reason(started))
            if not started["ok"]:
                raise tornado.web.HTTPError(
                    502, f"the viewer server on port {port} did not start: {cli_reason(started)}")
            command = node_cli(["open", str(folder), "--port", str(port)])
            opened = await run_cli("open", port, command, OPEN_TIMEOUT_S)
        except RuntimeError as e:
            raise tornado.web.HTTPError(500, str(e))
        if opened["exit_code"] == USAGE_EXIT_CODE:
            raise tornado.web.HTTPError(400, cli_reason(opened))
        if opened["exit_code"] is None:
            raise tornado.web.HTTPError(504, f"opening '{body['path']}': {cli_reason(opened)}")
        if not opened["ok"]:
            # The reader's sentence ("cannot open plate …"): the user's folder, not a fault here.
            # It names the folder as the file browser does, not by its absolute path.
            reason = cli_reason(opened).replace(str(folder), body["path"].strip("/"))
            raise tornado.web.HTTPError(422, reason)
        try:
            out = json.loads(opened["stdout"])
            # port: the one asked for (the panel's); data_port: the server's, if that one was taken.
            reply = {"path": body["path"], "port": port, "data_port": int(out["port"]),
                     "layer": str(out["layer"])}
        except (ValueError, KeyError, TypeError) as e:
            raise tornado.web.HTTPError(500, f"'pipeline-viewer open' printed no layer ({e!r})")
        self.finish(json.dumps(reply))


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    route = url_path_join(base_url, "pipeline-viewer", "server")
    connect = url_path_join(base_url, "pipeline-viewer", "connect")
    servers = url_path_join(base_url, "pipeline-viewer", "servers")
    open_plate = url_path_join(base_url, "pipeline-viewer", "open")
    web_app.add_handlers(".*$", [(route, ViewerServerHandler), (connect, ViewerConnectHandler),
                                 (servers, ViewerServersHandler), (open_plate, ViewerOpenHandler)])
