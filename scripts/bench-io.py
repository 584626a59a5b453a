"""The Python side of `npm run bench:io`: tifffile and zarr-python doing what the project's disk
and zarr backends do, timed inside this process (imports and start-up excluded).

    .venv/bin/python scripts/bench-io.py '<json config>'   (scripts/bench-io.mjs calls it)

Config: {"dir": folder, "tiff": [{"size", "dtype", "files"}], "zarr": {"size", "wells",
"sites", "channels", "z"}}. Prints one JSON object: ms per file (TIFF) and per plane (zarr).
"""

import json
import os
import sys
import time

import numpy as np
import tifffile
import zarr


def plane(size, dtype, seed):
    values = (np.arange(size * size, dtype=np.uint64) * 2654435761 + seed) % 60000
    return values.reshape(size, size).astype(dtype)


def bench_tiff(folder, case):
    size, dtype, files = case["size"], case["dtype"], case["files"]
    data = plane(size, dtype, 1)
    names = [os.path.join(folder, f"tifffile_{size}_{dtype}_{i}.tif") for i in range(files)]
    start = time.perf_counter()
    for name in names:
        tifffile.imwrite(name, data)
    write = (time.perf_counter() - start) / files * 1000
    start = time.perf_counter()
    for name in names:
        back = tifffile.imread(name)
    read = (time.perf_counter() - start) / files * 1000
    assert back.shape == data.shape and back.dtype == data.dtype
    return {"write": write, "read": read}


def bench_zarr(folder, spec, zarr_format):
    """An HCS plate, field by field as a plain zarr-python user writes it: groups with their
    attributes, a (t, c, z, y, x) array per field with one uncompressed chunk per plane."""
    size, channels, depth = spec["size"], spec["channels"], spec["z"]
    data = plane(size, "uint16", 2)
    store = os.path.join(folder, f"zarr_python_v{zarr_format}.zarr")
    extra = {"chunk_key_encoding": {"name": "v2", "separator": "/"}} if zarr_format == 2 else {}
    arrays, planes = [], 0
    start = time.perf_counter()
    root = zarr.open_group(store, mode="w", zarr_format=zarr_format)
    root.attrs["plate"] = {"name": "bench", "wells": []}
    for w in range(spec["wells"]):
        well = root.require_group(f"A/{w + 1:02d}")
        well.attrs["well"] = {"images": [{"path": str(s)} for s in range(spec["sites"])]}
        for s in range(spec["sites"]):
            field = well.require_group(str(s))
            field.attrs["multiscales"] = [{"axes": ["t", "c", "z", "y", "x"]}]
            array = field.create_array(
                "0",
                shape=(1, channels, depth, size, size),
                chunks=(1, 1, 1, size, size),
                dtype="uint16",
                compressors=None,
                fill_value=0,
                **extra,
            )
            arrays.append(array)
            for c in range(channels):
                for z in range(depth):
                    array[0, c, z] = data
                    planes += 1
    write = (time.perf_counter() - start) / planes * 1000
    start = time.perf_counter()
    for array in arrays:
        for c in range(channels):
            for z in range(depth):
                back = array[0, c, z]
    read = (time.perf_counter() - start) / planes * 1000
    assert back.shape == data.shape
    return {"write": write, "read": read}


def main():
    config = json.loads(sys.argv[1])
    folder = config["dir"]
    os.makedirs(folder, exist_ok=True)
    out = {
        "tiff": [bench_tiff(folder, case) for case in config["tiff"]],
        "zarr_v2": bench_zarr(folder, config["zarr"], 2),
        "zarr_v3": bench_zarr(folder, config["zarr"], 3),
        "versions": {
            "python": sys.version.split()[0],
            "tifffile": tifffile.__version__,
            "zarr": zarr.__version__,
            "numpy": np.__version__,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
