/** Runs ui-tests/helpers/stream-wells.mjs (a real pipeline run over a plate of many wells). */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './viewer-server.js';

export function streamWells(
  workDir: string,
  port: number,
  plate: { wells: number; channels: number; size: number }
): Promise<{ sent: number; dropped: number; wells: string[] }> {
  const script = path.join(REPO, 'ui-tests', 'helpers', 'stream-wells.mjs');
  const args = [
    script,
    workDir,
    String(port),
    ...[plate.wells, plate.channels, plate.size].map(String)
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: REPO, timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`stream-wells failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}
