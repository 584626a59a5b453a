/**
 * "Open in Pipeline Viewer" behind Jupyter (issue 17, part 2): a real Jupyter server from
 * .venv with the project's server extension, its root folder a temp folder holding a Harmony
 * plate (tests/runtime/fixtures/make_plates.py), a folder that is no plate, and a symlink to a
 * plate outside the root. `POST pipeline-viewer/open {path, port}` starts this user's viewer
 * server when none runs and opens the plate as a layer from disk; a path outside the root
 * (by `..` or through a symlink) is refused with 403, a missing one with 404, a folder that is
 * no plate with 422 and the reader's message (no traceback in Jupyter's log); without
 * Jupyter's login nothing opens. Data port 29010 (+1000, +3000).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makePlate } from '../runtime/fixture-plates.js';
import { startJupyter, type JupyterProcess } from './jupyter-process.js';
import { BIN, requireBuild, tempHome } from './server-process.js';

const PORT = 29010;
const TOKEN = 'jupyter-login-token-for-the-open-test';
const home = tempHome();
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
let root = '';
let outside = '';
let jupyter: JupyterProcess | undefined;
let origin = '';

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (e, out, err) =>
      e ? reject(new Error(`${args.join(' ')}: ${e.message}\n${err}`)) : resolve(out)
    )
  );
}

/** POST pipeline-viewer/open as the logged-in user (token login needs no XSRF cookie). */
async function openPlate(
  body: Record<string, unknown>,
  login = true
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${origin}/pipeline-viewer/open`, {
    method: 'POST',
    headers: login ? { Authorization: `token ${TOKEN}` } : {},
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(90_000)
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
}

beforeAll(async () => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'open-root-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'open-outside-'));
  await makePlate('harmony', path.join(root, 'plates', 'harmony'));
  await makePlate('harmony', path.join(outside, 'secret-plate'));
  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'notes', 'readme.txt'), 'no plate here\n');
  fs.symlinkSync(path.join(outside, 'secret-plate'), path.join(root, 'linked-plate'));
  jupyter = await startJupyter({ token: TOKEN, env, cwd: root, rootDir: root });
  origin = jupyter.origin;
}, 330_000);

afterAll(async () => {
  await jupyter?.stop();
  await cli('server', 'stop', '--port', String(PORT)).catch(() => '');
  await cli('server', 'clear', '--port', String(PORT)).catch(() => '');
  for (const dir of [home, root, outside])
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('POST pipeline-viewer/open', () => {
  it('starts the viewer server when none runs and opens the plate as a layer from disk', async () => {
    const before = JSON.parse(await cli('server', 'list')) as { servers: unknown[] };
    expect(before.servers).toHaveLength(0);
    const opened = await openPlate({ path: 'plates/harmony', port: PORT });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ path: 'plates/harmony', port: PORT, data_port: PORT });
    const layer = opened.body.layer as string;
    expect(layer).toMatch(/\S/);
    const status = JSON.parse(await cli('server', 'status', '--port', String(PORT))) as {
      layers: { key: string; image_count: number }[];
    };
    const shown = status.layers.find(l => l.key === layer);
    expect(shown?.image_count).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a path outside the root folder, by .. or through a symlink (403)', async () => {
    for (const p of ['../' + path.basename(outside) + '/secret-plate', 'linked-plate']) {
      const refused = await openPlate({ path: p, port: PORT });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/is outside Jupyter's root folder/);
    }
  });

  it('a missing folder is 404, a file 400, a bad port 400', async () => {
    const missing = await openPlate({ path: 'no-such-plate', port: PORT });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/'no-such-plate' does not exist under Jupyter's root/);
    expect((await openPlate({ path: 'notes/readme.txt', port: PORT })).status).toBe(400);
    const badPort = await openPlate({ path: 'plates/harmony', port: 'five' });
    expect(badPort.status).toBe(400);
    expect(badPort.body.message).toMatch(/port must be an integer/);
  });

  it("a folder that is no plate answers 422 with the reader's message, no traceback", async () => {
    const refused = await openPlate({ path: 'notes', port: PORT });
    expect(refused.status).toBe(422);
    // named as the file browser names it, not by its absolute path
    expect(refused.body.message).toMatch(/^cannot open plate 'notes': \S/);
    expect(refused.body.message).not.toContain(root);
    expect(jupyter!.log()).not.toContain('Traceback');
  }, 120_000);

  it("without Jupyter's login nothing opens (403)", async () => {
    const refused = await openPlate({ path: 'plates/harmony', port: PORT }, false);
    expect(refused.status).toBe(403);
    expect(refused.body).not.toHaveProperty('layer');
  });
});
