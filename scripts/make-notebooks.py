# Writes notebooks/demo.ipynb, notebooks/show.ipynb (Deno kernel) and notebooks/openhcs.ipynb
# (Python kernel of the project's venv) with empty outputs from the cells below:
# python3 scripts/make-notebooks.py notebooks
import json, sys
from pathlib import Path

def md(src): return {"cell_type": "markdown", "metadata": {}, "source": src.strip("\n").splitlines(keepends=True)}
def code(src): return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src.strip("\n").splitlines(keepends=True)}
def nb(cells):
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Deno (TypeScript)", "language": "typescript", "name": "deno"},
        "language_info": {"codemirror_mode": "typescript", "file_extension": ".ts", "mimetype": "text/x.typescript",
                          "name": "typescript", "nbconvert_exporter": "script", "pygments_lexer": "typescript"}},
        "nbformat": 4, "nbformat_minor": 5}

demo = nb([
md("""
# Pipeline viewer demo

A small image-processing pipeline over a synthetic high-content-screening plate, written in
TypeScript cells (Deno kernel). The last step streams its results to a **viewer server**, and
the docked **Pipeline viewer** panel on the right shows them as they arrive: one slider per
stacked axis (well, channel…), labelled in the plate's own words.

Run all cells (*Run → Run All Cells*). Re-running reuses the same viewer server and panel.
"""),
code("""
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { compile, createNdArray, Pipeline, readPlate, Step, type NdArray } from 'jupyterlab-pipeline-viewer/runtime';
import { runWithProgress, writeSyntheticPlate } from 'jupyterlab-pipeline-viewer/notebook';

// The viewer's data port (5555 as in OpenHCS); the panel reaches it through {baseUrl}proxy/8555/.
const PORT = Number(Deno.env.get('PIPELINE_VIEWER_PORT') ?? 5555);
const dataDir = path.resolve(Deno.cwd(), '..', 'data');
const plateDir = path.join(dataDir, 'demo-plate');
`viewer port ${PORT}, plate folder ${plateDir}`
"""),
md("""
## The plate

Generated once (8 wells × 2 sites × 3 channels × 3 z-planes, 256² uint16 ImageXpress TIFFs with
an `.HTD` naming the channels), then found again on later runs.
"""),
code("""
if (!existsSync(plateDir)) {
  const made = await writeSyntheticPlate(plateDir, { wells: 8, sites: 2, channels: ['DAPI', 'GFP', 'RFP'], zPlanes: 3, width: 256, height: 256 });
  console.log(`wrote ${made.files.length} TIFFs in ${made.elapsedMs.toFixed(0)} ms`);
}
const plate = await readPlate(plateDir);
({ wells: plate.wells, channels: plate.channelNames, images: plate.images.length })
"""),
md("""
## Steps

- **Background** runs in memory only: its output is handed to the next step and never written.
- **Enhance** is *materialized*: its outputs are also checkpointed to disk.
- **Max projection** projects the z-planes and *streams* its results to the viewer, for four
  wells only (a well filter).
"""),
code("""
/** Subtracts each plane's minimum (a flat background estimate). */
function subtractBackground(stack: NdArray): NdArray {
  const [n, h, w] = stack.shape;
  const plane = h * w;
  const src = stack.data as Uint16Array;
  const out = new Uint16Array(src.length);
  for (let p = 0; p < n; p++) {
    let min = 65535;
    for (let i = p * plane; i < (p + 1) * plane; i++) if (src[i] < min) min = src[i];
    for (let i = p * plane; i < (p + 1) * plane; i++) out[i] = src[i] - min;
  }
  return createNdArray(out, stack.shape, 'uint16');
}

/** Doubles the signal, saturating at the top of uint16. */
function enhance(stack: NdArray): NdArray {
  const src = stack.data as Uint16Array;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.min(65535, src[i] * 2);
  return createNdArray(out, stack.shape, 'uint16');
}

/** Maximum over the stack's planes (the z-planes here): [z, y, x] → [1, y, x]. */
function maxProject(stack: NdArray): NdArray {
  const [n, h, w] = stack.shape;
  const plane = h * w;
  const src = stack.data as Uint16Array;
  const out = new Uint16Array(plane);
  for (let p = 0; p < n; p++) for (let i = 0; i < plane; i++) out[i] = Math.max(out[i], src[p * plane + i]);
  return createNdArray(out, [1, h, w], 'uint16');
}
"""),
code("""
const pipeline = new Pipeline({
  name: 'demo',
  steps: [
    new Step({ name: 'Background', func: subtractBackground }),
    new Step({ name: 'Enhance', func: enhance, materialization: { enabled: true } }),
    new Step({
      name: 'MaxProjection',
      func: maxProject,
      variableComponents: ['z_index'],
      streaming: { enabled: true, port: PORT, colormap: 'gray', well_filter: ['A01', 'A03', 'A05', 'A07'] }
    })
  ]
});
const plan = await compile(pipeline, plate, { output_dir: path.join(dataDir, 'demo-plate_outputs') });
({ wells: plan.wells.length, viewers: plan.requiredVisualizers.map((v) => `port ${v.port}: ${v.steps.join(', ')}`) })
"""),
md("""
## Run

The output below updates live: wells done, frames streamed, drops and elapsed time. At the end,
its button opens (or focuses) the docked viewer; with the default settings the panel opens by
itself when the run starts.
"""),
code("""
const result = await runWithProgress(plan);
({ ok: result.ok, seconds: (result.durationMs / 1000).toFixed(2), streamed: result.stream.total })
"""),
md("""
Move the **well** and **channel** sliders in the viewer; the overlay names the position
(`Well A03 | Ch2: GFP`). Re-run the cell above: the same server (same pid) and the same panel
show the new results. See also `show.ipynb` for sending an array by hand.
"""),
])

analysis = nb([
md("""
# Nuclei per well: a real analysis

Step functions from `jupyterlab-pipeline-viewer/functions` (OpenCV's wasm build and ports of
scikit-image, checked against it) on the worker pool: background subtraction (white top-hat),
a max projection over z that streams to the docked viewer, then nuclei segmentation on DAPI
(Otsu threshold, watershed split of touching nuclei, size filter) with measurements of every
nucleus in every channel. The run writes the tables as CSV and Parquet; the plate map below
colours each well by its nuclei count: click a well to open it in the viewer.

The synthetic plate's cell counts rise along the columns (a dilution series), and the
generator knows the truth, shown beside the measured counts at the end.
"""),
code("""
import * as path from 'node:path';
import { compile, Pipeline, readPlate, Step } from 'jupyterlab-pipeline-viewer/runtime';
import { fn } from 'jupyterlab-pipeline-viewer/functions';
import { plateMap, runWithProgress, writeSyntheticPlate } from 'jupyterlab-pipeline-viewer/notebook';

const PORT = Number(Deno.env.get('PIPELINE_VIEWER_PORT') ?? 5555);
const dataDir = path.resolve(Deno.cwd(), '..', 'data');
const made = await writeSyntheticPlate(path.join(dataDir, 'analysis-plate'), {
  wells: 24, sites: 1, channels: ['DAPI', 'GFP'], zPlanes: 2, width: 512, height: 512
});
const plate = await readPlate(made.dir);
({ wells: plate.wells.length, channels: plate.channelNames, images: plate.images.length })
"""),
code("""
const pipeline = new Pipeline({
  name: 'nuclei',
  steps: [
    new Step({ name: 'Background', func: fn('subtractBackground', { radius: 20 }) }),
    new Step({
      name: 'MaxProjection',
      func: fn('maxProjection'),
      variableComponents: ['z_index'],
      // Only materialized outputs stream: checkpoint the projection so the viewer gets it.
      materialization: { enabled: true },
      streaming: { enabled: true, port: PORT, colormap: 'gray' }
    }),
    new Step({
      name: 'Nuclei',
      // One group per site: the channel stack [DAPI, GFP]; nuclei are found in plane 0.
      func: fn('segmentNuclei', { nucleiChannel: 0, sigma: 2, minDistance: 7, minArea: 30 }),
      variableComponents: ['channel']
    })
  ]
});
const plan = await compile(pipeline, plate, { output_dir: path.join(dataDir, 'analysis-plate_outputs') });
const result = await runWithProgress(plan);
result.tables.map((t) => `${t.step} ${t.kind}: ${t.rows.length} rows → ${t.csv}`).join('\\n')
"""),
code("""
plateMap(result, { measurement: 'objects', title: 'Nuclei per well' })
"""),
code("""
// Measured against the generator's truth (cells drawn per site).
const counts = result.tables.find((t) => t.kind === 'wells')!.rows;
counts.map(([well, n]) => `${well}: ${n} measured, ${made.cellsPerSite[well as string]} drawn`).join('\\n')
"""),
])

show = nb([
md("""
# Manual `show()`

Send any array to the viewer by hand, as napari's `viewer.add_image`. The output's button opens
the docked viewer (it also opens by itself for a fresh output).
"""),
code("""
import { createNdArray } from 'jupyterlab-pipeline-viewer/runtime';
import { showInViewer } from 'jupyterlab-pipeline-viewer/notebook';

const PORT = Number(Deno.env.get('PIPELINE_VIEWER_PORT') ?? 5555);
const size = 256;

/** Concentric rings, float32 in [0, 1]. */
function rings(frequency: number) {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - size / 2, y - size / 2);
      data[y * size + x] = 0.5 + 0.5 * Math.cos(r / frequency);
    }
  return createNdArray(data, [size, size], 'float32');
}
"""),
code("""
await showInViewer(rings(4), { port: PORT, name: 'rings', colormap: 'viridis' });
"""),
code("""
// Same name: the layer is replaced in place, your contrast and colormap stay.
await showInViewer(rings(9), { port: PORT, name: 'rings', colormap: 'viridis' });
"""),
])

def python_nb(cells):
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}},
        "nbformat": 4, "nbformat_minor": 5}

openhcs = python_nb([
md("""
# OpenHCS into the docked panel

For OpenHCS users: arrays streamed from Python cells through **OpenHCS 0.8.6's own streaming
client** (`FileManager.save_batch(..., "napari_stream")`, as a pipeline step does) land in the
same docked **Pipeline viewer** panel, one layer per step, titled as OpenHCS titles them.
The viewer server answers OpenHCS's discovery as a ready napari viewer, so OpenHCS reuses it
and never starts its own napari. Details and limits: `docs/openhcs.md`.

Needs the packages of `scripts/requirements-openhcs.txt` in this kernel's environment
(`scripts/setup.sh` installs them into the project's venv).
"""),
code("""
import os, subprocess
from pathlib import Path

# OpenHCS's napari port (NapariStreamingConfig.port); the panel reaches it through {baseUrl}proxy/<PORT+3000>/.
PORT = int(os.environ.get("PIPELINE_VIEWER_PORT", "5555"))
CLI = Path.cwd().parent / "bin" / "pipeline-viewer.js"
# Starts the server, or reports the one already running (the panel starts the same one).
print(subprocess.run(["node", str(CLI), "server", "start", "--port", str(PORT)], capture_output=True, text=True, check=True).stdout)
"""),
md("""
## OpenHCS's side

The stream request an OpenHCS step builds: `NapariStreamingConfig` (all components stacked),
file names parsed by OpenHCS's ImageXpress parser, a producer identity per step, channel names
as the plate metadata would declare them, the wells of the run as the declared domain.
"""),
code("""
from dataclasses import replace
import numpy as np
from polystore.base import ensure_storage_registry, storage_registry
from polystore.filemanager import FileManager
from polystore.streaming.identity import StreamProducerIdentity
from polystore.streaming.viewer_transport import ViewerStreamProducer, ViewerStreamSourceIdentity
from openhcs.core.config import NapariStreamingConfig
from openhcs.core.steps.stream_component_semantics import (
    StreamComponentDomainProviders, StreamComponentMessageExtraAuthority,
    StreamExecutionAxisDomainProvider, StreamMetadataBackedComponentDomainProvider,
    StreamMetadataRootAuthority, StreamSourceComponentMetadataItems)
from openhcs.microscopes.imagexpress import ImageXpressFilenameParser
from openhcs.runtime.zmq_config import OPENHCS_ZMQ_CONFIG

CHANNELS = {"1": "DAPI", "2": "GFP"}
WELLS = ["A01", "A02", "B01", "B02"]

class PlateMetadata:  # what OpenHCS's metadata handler reads from the plate's .HTD
    def find_metadata_file(self, root): return Path(root) / "plate.HTD"
    def get_component_values(self, root, component): return dict(CHANNELS) if component == "channel" else None

class Microscope:
    parser = ImageXpressFilenameParser()
    metadata_handler = PlateMetadata()

ensure_storage_registry()
filemanager = FileManager(storage_registry)
source = ViewerStreamSourceIdentity(microscope_handler=Microscope(), plate_path="/plate")
surface = NapariStreamingConfig(port=PORT, host="localhost", persistent=True, enabled=True).viewer_surface(source, OPENHCS_ZMQ_CONFIG)

def stream_step(position, step_name, images):
    \"\"\"Stream {file name: 2-D array} of one well as OpenHCS's step `position` does.\"\"\"
    names = list(images)
    items = StreamSourceComponentMetadataItems.from_values(
        [Microscope.parser.parse_filename(n).components.wire_mapping() for n in names])
    roots = StreamMetadataRootAuthority.from_source_identity(source).roots()
    authority = replace(
        StreamComponentMessageExtraAuthority.from_viewer_surface(surface, source_metadata_items=items),
        domain_providers=StreamComponentDomainProviders((
            StreamMetadataBackedComponentDomainProvider(component="channel", metadata_roots=roots),
            StreamExecutionAxisDomainProvider(component="well", metadata_roots=roots, execution_axis_values=tuple(WELLS)))))
    producer = ViewerStreamProducer.from_identity(StreamProducerIdentity.pipeline_output(
        output_kind="main", output_key="main", projection_key="main", step_name=step_name, pipeline_position=position))
    filemanager.save_batch([images[n] for n in names], names, "napari_stream",
                           **authority.viewer_backend_kwargs(producer=producer).to_kwargs())
"""),
md("""
## Stream two steps

Open the panel (*Open Pipeline Viewer*, port as above) and run the cell: a layer
"1. Raw" and a layer "2. Smoothed" appear, with sliders for well, channel and z.
"""),
code("""
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:256, 0:256]
for w, well in enumerate(WELLS):
    raw = {}
    for channel in CHANNELS:
        for z in (1, 2, 3):
            blobs = np.exp(-(((xx - 40 - 50 * w) ** 2 + (yy - 60 * int(channel)) ** 2) / (200.0 * z)))
            raw[f"{well}_s1_w{channel}_z{z:03d}.tif"] = (blobs * 4000 + rng.normal(300, 40, blobs.shape)).astype(np.uint16)
    stream_step(0, "Raw", raw)
    smoothed = {n: ((a.astype(np.float32) + np.roll(a, 1, 0) + np.roll(a, 1, 1)) / 3).astype(np.uint16) for n, a in raw.items()}
    stream_step(1, "Smoothed", smoothed)
print("streamed", 2 * len(WELLS) * len(CHANNELS) * 3, "images")
"""),
md("""
OpenHCS's discovery sees the panel's server as a ready viewer (it would reuse it rather
than start napari):
"""),
code("""
from zmqruntime.transport import request_control_ping
pong = request_control_ping(PORT, surface.runtime_config.transport_endpoint.transport_mode, config=OPENHCS_ZMQ_CONFIG)
pong.ready, pong.server_role.value, pong.application
"""),
])

def with_ids(book, prefix):
    for i, c in enumerate(book["cells"]):
        c["id"] = f"{prefix}-{i:02d}"
    return book

demo = with_ids(demo, "demo")
show = with_ids(show, "show")
openhcs = with_ids(openhcs, "openhcs")
out = Path(sys.argv[1])
(out / "demo.ipynb").write_text(json.dumps(demo, indent=1) + "\n")
(out / "demo-analysis.ipynb").write_text(json.dumps(with_ids(analysis, "analysis"), indent=1) + "\n")
(out / "show.ipynb").write_text(json.dumps(show, indent=1) + "\n")
(out / "openhcs.ipynb").write_text(json.dumps(openhcs, indent=1) + "\n")
