/** plateMap(result): the notebook output of a run's per-well table, and its errors. */
import { PLATE_MAP_MIME_TYPE, PlateMapSchema, wellPosition } from '../../src/protocol/index.js';
import { plateMap } from '../../src/runtime/notebook/plate-map.js';
import type { RunResult } from '../../src/runtime/run/run-result.js';

const result = {
  ok: true,
  durationMs: 1,
  wells: [],
  tables: [
    {
      step: 'Nuclei',
      kind: 'wells',
      columns: ['well', 'objects', 'area_mean'],
      rows: [
        ['A01', 12, 300.5],
        ['B12', 40, 280],
        ['H03', 0, null]
      ],
      csv: '/o/tables/Nuclei_per_well.csv',
      parquet: '/o/tables/Nuclei_per_well.parquet'
    }
  ],
  stream: {
    total: { sent: 0, dropped: 0, errors: [] },
    byVisualizer: { 'pipeline-viewer:21650': {} }
  }
} as unknown as RunResult;

test('a 96-well map of objects per well, with the viewer port and an HTML fallback', () => {
  const out = plateMap(result);
  expect(PlateMapSchema.parse(out.map)).toEqual(out.map);
  expect(out.map).toMatchObject({ rows: 8, columns: 12, port: 21650, measurement: 'objects' });
  const bundle = out[Symbol.for('Jupyter.display')]();
  expect(bundle[PLATE_MAP_MIME_TYPE]).toBe(out.map);
  expect(bundle['text/html']).toContain('<td>40</td>');
  expect(bundle['text/html']).toContain('<th>H</th>');
});

test('wells beyond 8 × 12 make it a 384-well map; names parse to positions', () => {
  const big = structuredClone(result);
  (big.tables[0].rows as unknown[][]).push(['P24', 3, 1]);
  expect(plateMap(big).map).toMatchObject({ rows: 16, columns: 24 });
  expect(wellPosition('B07')).toEqual([1, 6]);
  expect(wellPosition('AF48')).toEqual([31, 47]);
  expect(wellPosition('well 1')).toBeNull();
});

test('an unknown step or column names what there is', () => {
  expect(() => plateMap(result, { step: 'Cells' })).toThrow(
    "plateMap: step 'Cells' has no per-well table; steps with one: Nuclei"
  );
  expect(() => plateMap(result, { measurement: 'count' })).toThrow(
    "no column 'count'; columns: objects, area_mean"
  );
});
