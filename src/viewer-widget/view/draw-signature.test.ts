/** drawSignature / sameDraw: a paint is skipped only when it would put the same pixels on screen. */
import type { Plane } from '../model/plane.js';
import { drawSignature, sameDraw } from './draw-signature.js';
import type { DrawLayer, DrawTile } from './gl-renderer.js';

const plane = (well: string): Plane => ({
  layer: 'L',
  values: [well],
  level: 0,
  revision: 1,
  shape: [4, 4],
  dtype: 'uint16',
  data: new Uint16Array(16)
});

const layer = (p: Plane, over: Partial<DrawLayer> = {}): DrawLayer => ({
  key: 'L',
  plane: p,
  fullShape: [4, 4],
  contrast: [0, 100],
  colormap: 'gray',
  opacity: 1,
  gamma: 1,
  label: 'L',
  ...over
});

const tile = (layers: DrawLayer[], rois: DrawTile['rois'] = []): DrawTile => ({
  layers,
  rois,
  rect: { x: 0, y: 0, width: 800, height: 600 }
});

const camera = { zoom: 2, centerX: 2, centerY: 2 };
const sig = (tiles: DrawTile[], cam = camera, w = 800) => drawSignature(tiles, cam, w, 600);

describe('drawSignature', () => {
  it('is the same for the same planes, settings, camera and canvas, whatever the objects', () => {
    const a = plane('A01');
    expect(sameDraw(sig([tile([layer(a)])]), sig([tile([layer(a)])]))).toBe(true);
  });

  it('differs when anything that changes pixels differs', () => {
    const a = plane('A01');
    const base = sig([tile([layer(a)])]);
    const changed = [
      sig([tile([layer(plane('A01'))])]), // another plane object (a new revision, a new level)
      sig([tile([layer(a, { contrast: [0, 99] })])]),
      sig([tile([layer(a, { colormap: 'viridis' })])]),
      sig([tile([layer(a, { opacity: 0.5 })])]),
      sig([tile([layer(a, { gamma: 2 })])]),
      sig([tile([layer(a, { labels: 'outline' })])]),
      sig([tile([layer(a), layer(a, { key: 'L\u0000GFP' })])]),
      sig([tile([])]),
      sig([tile([layer(a)], [{ draw: 'points', points: [[1, 1]], color: [255, 0, 0] }])]),
      sig([tile([layer(a)])], { ...camera, zoom: 3 }),
      sig([tile([layer(a)])], camera, 801),
      sig([tile([layer(a)]), tile([layer(a)])])
    ];
    for (const c of changed) expect(sameDraw(base, c)).toBe(false);
  });

  it('never matches a blank canvas', () => {
    expect(sameDraw(null, sig([]))).toBe(false);
  });
});
