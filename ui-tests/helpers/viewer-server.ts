/** Node-side helpers of the ui-tests: run the viewer CLI and the producer, bounded in time. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function node(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: REPO, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`node ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * `pipeline-viewer server stop --port N`, then `server clear` (its stored layers would come
 * back at the next start, docs/viewer-server.md), unless `keepLayers`; never throws (cleanup).
 */
export async function stopServer(port: number, { keepLayers = false } = {}): Promise<void> {
  const cli = (command: string) =>
    node(['bin/pipeline-viewer.js', 'server', command, '--port', String(port)], 20_000).catch(e =>
      console.warn(String(e))
    );
  await cli('stop');
  if (!keepLayers) await cli('clear');
}

export async function serverStatus(
  port: number
): Promise<{ pid: number; layers: { key: string; image_count: number }[] }> {
  return JSON.parse(
    await node(['bin/pipeline-viewer.js', 'server', 'status', '--port', String(port)], 20_000)
  );
}

/** Runs the producer (a real pipeline run streaming a 2-well, 2-channel plate). */
export async function streamPlate(
  workDir: string,
  port: number
): Promise<{ sent: number; dropped: number; wells: string[] }> {
  const out = await node(
    [path.join(REPO, 'ui-tests', 'helpers', 'stream-plate.mjs'), workDir, String(port)],
    120_000
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Run `n` of the compare-runs pipeline (helpers/send-run.mjs: run 1 a ramp in x, run 2 in y). */
export async function sendRun(port: number, n: number): Promise<{ sent: number }> {
  const out = await node(
    [path.join(REPO, 'ui-tests', 'helpers', 'send-run.mjs'), String(port), String(n)],
    60_000
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}
