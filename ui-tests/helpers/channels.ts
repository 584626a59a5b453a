/** Helpers of the channels-*.spec.ts tests: the producer, and canvas colors at image points. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { Locator } from '@playwright/test';
import { REPO } from './viewer-server.js';

/** Sends ui-tests/helpers/send-channels.mjs's batch (2 wells × DAPI, GFP, 0.65 µm pixels). */
export function sendChannels(port: number): Promise<{ accepted: number; rejected: number }> {
  const script = path.join(REPO, 'ui-tests', 'helpers', 'send-channels.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, String(port)],
      { cwd: REPO, timeout: 60_000 },
      (err, out, e) => {
        if (err) reject(new Error(`send-channels failed: ${err.message}\n${e}`));
        else resolve(JSON.parse(out.trim().split('\n').pop()!));
      }
    );
  });
}

/** The side of the producer's square planes, in pixels. */
export const SIDE = 120;

/**
 * Mean [r, g, b] of the canvas around image pixel (x, y) of a SIDE × SIDE image, found
 * through the outline that frames the drawn image (3 × 3 device pixels).
 */
export async function colorAt(panel: Locator, x: number, y: number): Promise<number[]> {
  const outline = (await panel.getByTestId('pipeline-viewer-outline').boundingBox())!;
  const sx = outline.x + ((x + 0.5) / SIDE) * outline.width;
  const sy = outline.y + ((y + 0.5) / SIDE) * outline.height;
  return panel.getByTestId('pipeline-viewer-canvas').evaluate(
    (el: HTMLCanvasElement, { sx, sy }) => {
      const box = el.getBoundingClientRect();
      const scale = el.width / box.width;
      const c = document.createElement('canvas');
      c.width = el.width;
      c.height = el.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(el, 0, 0);
      const px = ctx.getImageData(
        Math.round((sx - box.left) * scale) - 1,
        Math.round((sy - box.top) * scale) - 1,
        3,
        3
      ).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < px.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += px[i + k];
      return sum.map(s => Math.round(s / 9));
    },
    { sx, sy }
  );
}
