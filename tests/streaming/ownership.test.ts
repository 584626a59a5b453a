/**
 * A run clears only what it made itself (issue 10, defects 8 and 13). Each "notebook" is its
 * own process (fixtures/notebook-run.mjs, with its own JPY_SESSION_NAME as Jupyter gives a
 * kernel) running a real pipeline from lib/ against the REAL viewer server process.
 * Ports 21300, 21310, 21320 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { LayerSummary } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/control-client.js';
import { listSegments } from '../../src/protocol/node/shm.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import {
  ensureLibBuilt,
  killServers,
  removeTempViewerHome,
  ROOT,
  useTempViewerHome
} from './server-harness.js';

const TWO_NOTEBOOKS = 21300;
const SHOW_AND_RUN = 21310;
const RE_RUN = 21320;
const NOTEBOOK = path.join(ROOT, 'tests', 'streaming', 'fixtures', 'notebook-run.mjs');
let work: string;
let plate: string;

beforeAll(async () => {
  ensureLibBuilt();
  useTempViewerHome('ownership');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-own-'));
  plate = path.join(work, 'plate');
  // 2 channels × 1 z × 1 site: 2 images per well.
  await writeSyntheticPlate(plate, {
    wells: 4,
    sites: 1,
    channels: 2,
    zPlanes: 1,
    width: 32,
    height: 24
  });
}, 320_000);

afterAll(async () => {
  for (const port of [TWO_NOTEBOOKS, SHOW_AND_RUN, RE_RUN]) await killServers(port);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

interface NotebookArgs {
  mode?: 'run' | 'show';
  port: number;
  step?: string;
  wells?: string[];
  name?: string;
}

/** Runs one notebook process (≤ 60 s) and returns what it printed, parsed. */
async function notebook(session: string, args: NotebookArgs): Promise<Record<string, unknown>> {
  const out = path.join(work, `out-${session}-${args.step ?? args.name}`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [NOTEBOOK, JSON.stringify({ mode: 'run', plate, out, ...args })],
    { env: { ...process.env, JPY_SESSION_NAME: session }, timeout: 60_000 }
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function layers(port: number): Promise<Map<string, LayerSummary>> {
  const reply = await controlRequest(port, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
  return new Map(reply.status.layers.map(l => [l.key, l]));
}

function wellsOf(layer: LayerSummary | undefined): unknown[] {
  return layer?.axes.find(a => a.name === 'well')?.values ?? [];
}

it("a second notebook's run on the same port keeps the first notebook's frames (defect 13)", async () => {
  const first = await notebook('first.ipynb', {
    port: TWO_NOTEBOOKS,
    step: 'Enhance',
    wells: ['A01', 'A02']
  });
  expect(first).toMatchObject({ sent: 4, dropped: 0 });
  const second = await notebook('second.ipynb', {
    port: TWO_NOTEBOOKS,
    step: 'Denoise',
    wells: ['A03', 'A04']
  });
  expect(second).toMatchObject({ sent: 4, dropped: 0 });

  const after = await layers(TWO_NOTEBOOKS);
  expect(wellsOf(after.get('source_Enhance'))).toEqual(['A01', 'A02']);
  expect(after.get('source_Enhance')?.image_count).toBe(4);
  expect(wellsOf(after.get('source_Denoise'))).toEqual(['A03', 'A04']);
  expect(listSegments()).toEqual([]);
}, 180_000);

it("clear_owner needs the secret and removes only that owner's planes", async () => {
  const owner = 'notebook first.ipynb · pipeline "pipeline"';
  const refused = await controlRequest(
    TWO_NOTEBOOKS,
    { type: 'clear_owner', owner, auth: 'not-the-secret' },
    { timeoutMs: 5000 }
  );
  expect(refused).toMatchObject({ type: 'error', error: expect.stringMatching(/^not authorized/) });
  expect((await layers(TWO_NOTEBOOKS)).get('source_Enhance')?.image_count).toBe(4);

  // controlRequest adds the secret from this user's record.
  const cleared = await controlRequest(
    TWO_NOTEBOOKS,
    { type: 'clear_owner', owner },
    { timeoutMs: 5000 }
  );
  expect(cleared).toEqual({ type: 'clear_owner_ack', status: 'success', planes: 4, layers: 1 });
  expect([...(await layers(TWO_NOTEBOOKS)).keys()]).toEqual(['source_Denoise']);
}, 60_000);

it("a run keeps another notebook's show() layer (defect 8)", async () => {
  const shown = await notebook('viewer.ipynb', {
    mode: 'show',
    port: SHOW_AND_RUN,
    name: 'nuclei'
  });
  expect(shown).toMatchObject({ status: 'success', accepted: 1 });
  const ran = await notebook('pipeline.ipynb', {
    port: SHOW_AND_RUN,
    step: 'Enhance',
    wells: ['A01']
  });
  expect(ran).toMatchObject({ sent: 2, dropped: 0 });

  const after = await layers(SHOW_AND_RUN);
  expect(after.get('nuclei')?.image_count).toBe(1);
  expect(wellsOf(after.get('source_Enhance'))).toEqual(['A01']);
}, 180_000);

it("a re-run of the same pipeline from the same notebook replaces its previous run's planes", async () => {
  await notebook('same.ipynb', { port: RE_RUN, step: 'Enhance', wells: ['A01', 'A02'] });
  await notebook('other.ipynb', { port: RE_RUN, step: 'Other', wells: ['A04'] });
  const again = await notebook('same.ipynb', { port: RE_RUN, step: 'Enhance', wells: ['A03'] });
  // Nothing of another run was in the way: the same notebook's earlier planes are its own.
  expect(again).toEqual({ sent: 2, dropped: 0, errors: [] });

  const after = await layers(RE_RUN);
  expect(wellsOf(after.get('source_Enhance'))).toEqual(['A03']);
  expect(after.get('source_Enhance')?.image_count).toBe(2);
  expect(wellsOf(after.get('source_Other'))).toEqual(['A04']);
}, 180_000);

it('a run that replaces planes of another notebook says how many, and whose were kept', async () => {
  // Same step name, so the same layer; A04 overlaps, A03 does not.
  const theirs = await notebook('third.ipynb', { port: RE_RUN, step: 'Enhance', wells: ['A04'] });
  expect(theirs).toMatchObject({ sent: 2, dropped: 0 });
  expect(theirs.replaced ?? 0).toBe(0);
  const after = await layers(RE_RUN);
  // The same.ipynb run's A03 stays beside third.ipynb's A04.
  expect(wellsOf(after.get('source_Enhance'))).toEqual(['A03', 'A04']);

  const ours = await notebook('same.ipynb', { port: RE_RUN, step: 'Enhance', wells: ['A04'] });
  expect(ours).toMatchObject({ sent: 2, dropped: 0, replaced: 2 });
  expect((ours.errors as string[]).join('\n')).toMatch(/2 planes of another run replaced/);
}, 180_000);
