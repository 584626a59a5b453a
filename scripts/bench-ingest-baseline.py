"""The OpenHCS-style Python -> Python baseline of `npm run bench` P1 (scripts/bench-ingest.mjs).

What OpenHCS does per image, without its pipeline around it: the producer copies a numpy
array into a new multiprocessing.shared_memory segment and sends a JSON header naming it
over pyzmq (REQ), in messages chunked as ours are (<= 50 images, <= 64 MiB of pixels);
the consumer (another process, REP) attaches each segment, copies it out into its own
array, unlinks it and replies. Planes are kept by the consumer in 16 slots that replace
each other, as the viewer server's planes do in the bench.

usage: .venv/bin/python scripts/bench-ingest-baseline.py PORT SIZE FRAMES ROUNDS
Prints one JSON line per round: {"seconds": s, "bytes": n}, timed from the first segment
created to the last reply (the consumer is started and warmed up before).
"""

import json
import sys
import time
from multiprocessing import Process, resource_tracker, shared_memory

import numpy as np
import zmq

MAX_IMAGES, MAX_BYTES = 50, 64 * 2**20


def consume(port: int) -> None:
    sock = zmq.Context().socket(zmq.REP)
    sock.bind(f"tcp://127.0.0.1:{port}")
    kept = [None] * 16
    n = 0
    while True:
        msg = sock.recv_json()
        if msg.get("type") == "stop":
            sock.send_json({"status": "stopped"})
            return
        for item in msg["images"]:
            shm = shared_memory.SharedMemory(name=item["shm_name"])
            view = np.ndarray(item["shape"], dtype=item["dtype"], buffer=shm.buf)
            kept[n % 16] = view.copy()
            n += 1
            del view
            shm.close()
            shm.unlink()  # also forgets it in the resource tracker attaching told
        sock.send_json({"status": "success", "accepted": len(msg["images"])})


def chunks(count: int, nbytes: int):
    per = max(1, min(MAX_IMAGES, MAX_BYTES // nbytes))
    for start in range(0, count, per):
        yield range(start, min(count, start + per))


def produce(sock, frames, shape) -> float:
    t0 = time.perf_counter()
    for chunk in chunks(len(frames), frames[0].nbytes):
        images = []
        for i in chunk:
            shm = shared_memory.SharedMemory(create=True, size=frames[i].nbytes)
            np.ndarray(shape, dtype=frames[i].dtype, buffer=shm.buf)[:] = frames[i]
            images.append({"shm_name": shm.name, "shape": list(shape), "dtype": "uint16"})
            # The consumer unlinks it: forget it here, as OpenHCS's producer hands it over.
            resource_tracker.unregister(shm._name, "shared_memory")
            shm.close()
        sock.send_json({"type": "batch", "images": images})
        reply = sock.recv_json()
        if reply.get("status") != "success":
            raise RuntimeError(f"baseline consumer replied {reply}")
    return time.perf_counter() - t0


def main() -> None:
    port, size, count, rounds = (int(a) for a in sys.argv[1:5])
    consumer = Process(target=consume, args=(port,), daemon=True)
    consumer.start()
    sock = zmq.Context().socket(zmq.REQ)
    sock.setsockopt(zmq.RCVTIMEO, 120_000)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://127.0.0.1:{port}")
    shape = (size, size)
    frames = [np.full(shape, i, dtype=np.uint16) for i in range(min(count, 16))]
    frames = [frames[i % len(frames)] for i in range(count)]
    produce(sock, frames[: min(count, 4)], shape)  # warm-up: connect, first allocations
    for _ in range(rounds):
        seconds = produce(sock, frames, shape)
        print(json.dumps({"seconds": seconds, "bytes": count * frames[0].nbytes}), flush=True)
    sock.send_json({"type": "stop"})
    sock.recv_json()
    consumer.join(10)


if __name__ == "__main__":
    main()
