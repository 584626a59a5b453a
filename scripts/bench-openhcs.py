"""Throughput of OpenHCS 0.8.6's own streaming client into the viewer server.

Runs tests/openhcs/fixtures/openhcs_stream.py (2 steps x 3 wells x 2 channels x 2 z =
24 images in 6 save_batch calls, TCP) against
  - the viewer server (node lib/viewer-server/main.js), and
  - a baseline receiver in Python that does what OpenHCS's own viewer does before it
    replies (attach each segment, copy it, reply success), nothing more,
in alternating rounds, and prints medians and min-max of the client's wall time and the
ratio server / baseline, with the load average. OpenHCS sleeps 0.1 s after connecting
each batch's socket (polystore _streaming_backend.py:769): that floor is printed too.

usage: .venv/bin/python scripts/bench-openhcs.py [ROUNDS=3] [IMAGE_SIZE=1024]
Ports 21588 (server, +1000, +3000) and 21589 (baseline), acks to 21598.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zmq

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
SERVER_PORT, BASE_PORT, ACK_PORT = 21588, 21589, 21598
DRIVER = ROOT / "tests/openhcs/fixtures/openhcs_stream.py"

BASELINE = f"""
import zmq, numpy as np
from multiprocessing import resource_tracker, shared_memory
ctx = zmq.Context(); sock = ctx.socket(zmq.REP); sock.bind("tcp://127.0.0.1:{BASE_PORT}")
while True:
    msg = sock.recv_json()
    for item in msg["images"]:
        shm = shared_memory.SharedMemory(name=item["shm_name"])
        resource_tracker.unregister(shm._name, "shared_memory")
        np.ndarray(item["shape"], dtype=item["dtype"], buffer=shm.buf).copy()
        shm.close()
    sock.send_json({{"status": "success"}})
"""


def wait_port(port: int, deadline: float) -> None:
    ctx = zmq.Context.instance()
    while time.monotonic() < deadline:
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 300)
        sock.connect(f"tcp://127.0.0.1:{port + 1000}")
        sock.send_json({"type": "ping"})
        try:
            sock.recv()
            return
        except zmq.Again:
            time.sleep(0.2)
        finally:
            sock.close()
    raise SystemExit(f"server on {port} not ready")


def run_client(port: int, home: str) -> float:
    env = {**os.environ, "HOME": home, "OPENHCS_IMAGE_SIZE": str(SIZE)}
    out = subprocess.run(
        [sys.executable, str(DRIVER), str(port), "tcp", str(ACK_PORT)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    if out.returncode != 0:
        raise SystemExit(f"client into port {port} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["images"] == 24 and not result["log"], result
    return result["seconds"]


def main() -> None:
    home = tempfile.mkdtemp(prefix="plv-bench-openhcs-")
    env = {**os.environ, "HOME": home, "PIPELINE_VIEWER_HOME": f"{home}/viewer",
           "PIPELINE_VIEWER_OPENHCS_ACK_PORT": str(ACK_PORT), "MALLOC_MMAP_THRESHOLD_": "131072"}
    server = subprocess.Popen(["node", str(ROOT / "lib/viewer-server/main.js"), "--port", str(SERVER_PORT)],
                              env=env, stderr=subprocess.DEVNULL)
    base = subprocess.Popen([sys.executable, "-c", BASELINE], env=env)
    try:
        wait_port(SERVER_PORT, time.monotonic() + 20)
        time.sleep(0.5)
        times = {"server": [], "baseline": []}
        run_client(SERVER_PORT, home)  # warm-up: imports, first connections
        for _ in range(ROUNDS):
            times["baseline"].append(run_client(BASE_PORT, home))
            times["server"].append(run_client(SERVER_PORT, home))
        mib = 24 * SIZE * SIZE * 2 / 2**20
        for name, values in times.items():
            med = statistics.median(values)
            print(f"{name:9s} median {med:.3f} s (min {min(values):.3f}, max {max(values):.3f}) "
                  f"= {24 / med:.1f} images/s, {mib / med:.1f} MiB/s")
        ratio = statistics.median(times["server"]) / statistics.median(times["baseline"])
        print(f"ratio server/baseline (medians) {ratio:.2f}; fixed sleep floor 6 x 0.1 s = 0.600 s; "
              f"{ROUNDS} alternating rounds of 24 images of {SIZE}x{SIZE} uint16 ({mib:.0f} MiB); "
              f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    finally:
        server.terminate()
        base.terminate()
        server.wait(10)
        base.wait(10)


main()
