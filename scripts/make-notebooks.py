# Writes notebooks/demo.ipynb and notebooks/show.ipynb (outputs empty) from the cells below:
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

def with_ids(book, prefix):
    for i, c in enumerate(book["cells"]):
        c["id"] = f"{prefix}-{i:02d}"
    return book

demo = with_ids(demo, "demo")
show = with_ids(show, "show")
out = Path(sys.argv[1])
(out / "demo.ipynb").write_text(json.dumps(demo, indent=1) + "\n")
(out / "show.ipynb").write_text(json.dumps(show, indent=1) + "\n")
