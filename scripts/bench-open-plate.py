"""The plate of `npm run bench:open` (scripts/bench-open.mjs), written once into a cache folder.

    python scripts/bench-open-plate.py DIR ROWS COLS CHANNELS SIZE LEVELS
    python scripts/bench-open-plate.py read DIR FIRST_LEVEL GRID_LEVEL   (the baseline)

An OME-Zarr HCS plate, NGFF 0.4 on zarr v2, as ome-zarr-py lays one out: one field per well,
a (t, c, z, y, x) uint16 array per level, levels 0..LEVELS-1 by 2x2 mean binning, chunks of
(1, 1, 1, 1024, 1024) at most, Blosc lz4 with byte shuffle (zarr-python's default compressor).
Content: a dim background with Gaussian camera noise and ~300 bright Gaussian "nuclei" per
field (a few layouts, shifted per well), each channel its own brightness, each well its own
dose-like brightness factor; so planes compress like real ones, not like constants. DIR/.complete
is written last with the parameters: a plate whose marker matches is reused, any other is
rewritten from scratch.
"""

import json
import os
import shutil
import sys

import numpy as np
import zarr
from numcodecs import Blosc


def blobs(rng, size, count):
    """`count` Gaussian spots of radius ~size/170 on a float32 plane (intensity ~1 at centers)."""
    out = np.zeros((size, size), np.float32)
    r = max(2, size // 170)
    yy, xx = np.mgrid[-3 * r : 3 * r + 1, -3 * r : 3 * r + 1]
    for _ in range(count):
        sigma = r * rng.uniform(0.7, 1.3)
        spot = np.exp(-(yy**2 + xx**2) / (2 * sigma**2)).astype(np.float32)
        y, x = rng.integers(3 * r, size - 3 * r - 1, 2)
        out[y - 3 * r : y + 3 * r + 1, x - 3 * r : x + 3 * r + 1] += spot * rng.uniform(0.5, 1.0)
    return out


def main():
    root, rows, cols, channels, size, levels = sys.argv[1], *map(int, sys.argv[2:7])
    params = {"rows": rows, "cols": cols, "channels": channels, "size": size, "levels": levels, "v": 1}
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        with open(marker) as f:
            if json.load(f) == params:
                return
    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(17)
    layouts = [blobs(rng, size, max(8, (size * size) // 14000)) for _ in range(4)]
    noise = rng.normal(0, 18, (size + 64, size + 64)).astype(np.float32)
    row_names = [chr(ord("A") + i) for i in range(rows)]
    group = zarr.open_group(root, mode="w", zarr_format=2)
    wells = [{"path": f"{r}/{c + 1}", "rowIndex": i, "columnIndex": c} for i, r in enumerate(row_names) for c in range(cols)]
    group.attrs["plate"] = {
        "name": os.path.basename(root).removesuffix(".zarr"),
        "version": "0.4",
        "rows": [{"name": r} for r in row_names],
        "columns": [{"name": str(c + 1)} for c in range(cols)],
        "wells": wells,
        "field_count": 1,
        "acquisitions": [{"id": 0}],
    }
    labels = ["DAPI", "GFP", "RFP", "Cy5", "BF", "CH6"][:channels]
    compressor = Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)
    for k, well in enumerate(wells):
        field = group.require_group(well["path"]).require_group("0")
        group[well["path"]].attrs["well"] = {"images": [{"path": "0", "acquisition": 0}], "version": "0.4"}
        dose = 0.4 + 1.2 * ((k * 37) % 97) / 96
        layout = np.roll(layouts[k % len(layouts)], (k * 131) % size, axis=(k % 2))
        level0 = np.empty((1, channels, 1, size, size), np.uint16)
        for c in range(channels):
            oy, ox = (k * 7 + c * 13) % 64, (k * 11 + c * 5) % 64
            plane = 180 + 40 * c + noise[oy : oy + size, ox : ox + size] + layout * (9000 / (c + 1)) * dose
            level0[0, c, 0] = np.clip(plane, 0, 65535).astype(np.uint16)
        data = level0
        for level in range(levels):
            n = size >> level
            chunk = min(1024, n)
            field.create_array(
                str(level),
                shape=data.shape,
                chunks=(1, 1, 1, chunk, chunk),
                dtype="uint16",
                compressors=compressor,
                chunk_key_encoding={"name": "v2", "separator": "/"},
                fill_value=0,
            )[...] = data
            if level + 1 < levels:
                h = n // 2
                data = data.reshape(1, channels, 1, h, 2, h, 2).mean(axis=(4, 6)).astype(np.uint16)
        pixel = 0.65
        field.attrs["multiscales"] = [
            {
                "version": "0.4",
                "name": well["path"],
                "axes": [
                    {"name": "t", "type": "time"},
                    {"name": "c", "type": "channel"},
                    {"name": "z", "type": "space", "unit": "micrometer"},
                    {"name": "y", "type": "space", "unit": "micrometer"},
                    {"name": "x", "type": "space", "unit": "micrometer"},
                ],
                "datasets": [
                    {
                        "path": str(level),
                        "coordinateTransformations": [
                            {"type": "scale", "scale": [1, 1, 1, pixel * 2**level, pixel * 2**level]}
                        ],
                    }
                    for level in range(levels)
                ],
            }
        ]
        field.attrs["omero"] = {
            "channels": [
                {"label": labels[c], "active": True, "window": {"start": 0, "end": 12000, "min": 0, "max": 65535}}
                for c in range(channels)
            ]
        }
    with open(marker, "w") as f:
        json.dump(params, f)


def read(root, first_level, grid_level):
    """What napari-ome-zarr reads to show the first well, and the plate grid (ms, JSON)."""
    import time

    def plane(group, well, level):
        field = group[well]["0"]
        zarr_well = group[well].attrs["well"]
        assert zarr_well["images"] and field.attrs["multiscales"][0]["datasets"]
        return field[str(level)][0, 0, 0]

    t0 = time.perf_counter()
    group = zarr.open_group(root, mode="r")
    wells = [w["path"] for w in group.attrs["plate"]["wells"]]
    first = plane(group, wells[0], first_level)
    t1 = time.perf_counter()
    group = zarr.open_group(root, mode="r")
    grid = [w["path"] for w in group.attrs["plate"]["wells"]]
    total = sum(int(plane(group, w, grid_level)[0, 0]) for w in grid)
    t2 = time.perf_counter()
    print(json.dumps({"first_ms": (t1 - t0) * 1000, "grid_ms": (t2 - t1) * 1000, "check": int(first.sum()) + total}))


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
