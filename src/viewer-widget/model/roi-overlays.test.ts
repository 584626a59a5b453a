import type { RoiSet } from '../../protocol/rois.js';
import { labelColor } from './labels-colors.js';
import { RoiOverlayModel } from './roi-overlays.js';

const set = (layer: string, well: string, shapes: RoiSet['shapes']): RoiSet => ({
  layer,
  kind: 'shapes',
  path: `/${layer}/${well}`,
  at: { well, site: 1 },
  shapes
});

describe('RoiOverlayModel', () => {
  const model = new RoiOverlayModel();
  model.set({
    revision: 3,
    sets: [
      set('1. Segment', 'A01', [
        {
          type: 'polygon',
          coordinates: [
            [1, 2],
            [1, 8],
            [5, 8]
          ],
          label: '4'
        },
        {
          type: 'ellipse',
          coordinates: [
            [10, 10],
            [10, 30],
            [20, 30],
            [20, 10]
          ]
        }
      ]),
      set('1. Segment', 'A02', [{ type: 'points', coordinates: [[3, 4]], label: '2' }]),
      set('2. Other', 'A01', [
        {
          type: 'path',
          coordinates: [
            [0, 0],
            [9, 9]
          ]
        }
      ])
    ]
  });

  it("draws the sets of the current well, as [x, y], in the object's label color", () => {
    const shapes = model.shapesAt({ well: 'A01', site: 1 }, new Set());
    expect(shapes.map(s => s.draw)).toEqual(['loop', 'loop', 'strip']);
    expect(shapes[0]).toEqual({
      draw: 'loop',
      points: [
        [2, 1],
        [8, 1],
        [8, 5]
      ],
      color: labelColor(4)
    });
    expect(shapes[1].color).toEqual([255, 220, 0]); // no label: yellow
    expect(model.shapesAt({ well: 'A02', site: 1 }, new Set())).toEqual([
      { draw: 'points', points: [[4, 3]], color: labelColor(2) }
    ]);
    expect(model.revision).toBe(3);
  });

  it('turns an ellipse into a loop inside its bounding box, touching its sides', () => {
    const [, ellipse] = model.shapesAt({ well: 'A01' }, new Set());
    expect(ellipse.points.length).toBe(48);
    const xs = ellipse.points.map(p => p[0]);
    const ys = ellipse.points.map(p => p[1]);
    expect([Math.min(...xs), Math.max(...xs)]).toEqual([10, 30]);
    expect(Math.min(...ys)).toBeCloseTo(10, 5);
    expect(Math.max(...ys)).toBeCloseTo(20, 5);
  });

  it("leaves out a hidden layer's sets; an axis the dims lack does not filter", () => {
    const shapes = model.shapesAt({ well: 'A01' }, new Set(['1. Segment']));
    expect(shapes.map(s => s.draw)).toEqual(['strip']);
    expect(model.shapesAt({}, new Set()).length).toBe(4);
  });
});
