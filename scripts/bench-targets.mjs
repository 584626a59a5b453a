// The headline figures of `npm run bench` (issue 14 and the issues it names): which suite
// measures each, its target, and what limits it when missed, with a link to the section of
// docs/benchmarks.md that shows the measurement. Read by scripts/bench-summary.mjs.
/** GitHub's anchor of a markdown heading. */
export function slug(heading) {
  return (
    '#' +
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
  );
}

const P1 = slug('Streaming transport and ingest (issue 14, P1)');
const P2 = slug('Pipeline overhead (P2)');
const P34 = slug('Save → paint and scrubbing in the docked panel (issue 14, P3, P4)');
const P5 = slug('Scale: a 384-well plate within fixed memory (issue 14, P5)');
const IO = slug('TIFF and zarr I/O');
const FUNCTIONS = slug('Step functions against scikit-image (issue 12)');
const RUN_ALL = slug('Viewer widget: scrubbing, first image, grid, browser memory (issue 10)');
const RESTORE = slug('Restart: restored layers served (issue 17)');
const OPEN = slug('Open a plate from disk (issue 17)');

const gbps = (f, size, name) => f[`${size}² ${name} GB/s`]?.median;
const f2 = x => x?.toFixed(2);
/**
 * P1's limit in the same run: the two copies through the kernel (Node and Deno cannot map
 * shared memory: the producer writes, the server reads), whose ceiling is
 * 1 / (1/rewrite + 1/read) of tmpfs pages; a path far below it is held by per-image work.
 */
const copies = (size, transport) => f => {
  const w = gbps(f, size, 'limit: tmpfs rewrite (faulted in)');
  const r = gbps(f, size, 'limit: tmpfs read back');
  const ours = gbps(f, size, `ours, ${transport}`);
  const ceiling = w && r ? 1 / (1 / w + 1 / r) : NaN;
  const run = `ours ${f2(ours)} GB/s; two-copy ceiling ${f2(ceiling)} GB/s from tmpfs rewrite ${f2(w)} and read ${f2(r)}; memcpy ${f2(gbps(f, size, 'limit: memcpy'))}`;
  return ours < ceiling / 2
    ? `per-image work in the server and producer, not the copies (this run: ${run})`
    : `two copies through the kernel, no mmap in Node/Deno (this run: ${run})`;
};
const TRANSPORTS = ['ring', 'segment', 'frames', 'frames over IPC'];

/**
 * The rows of the summary: [area, figure, suite, key, unit, digits, target, limited by, link].
 * target: [op, value, text] with op '>=', '<=', '==' or 'true'; limited by: text, a function
 * of the suite's figures (a figure of the same run), or null where it was never analysed
 * (met in every earlier run).
 */
export const ROWS = [
  ...[512, 2048, 4096].flatMap(size =>
    TRANSPORTS.map(t => [
      'P1 ingest',
      `${size}² uint16, ${t} × OpenHCS-style baseline`,
      'ingest',
      `${size}² ours, ${t}`,
      '×',
      2,
      ['>=', 10, '≥ 10×'],
      copies(size, t),
      P1
    ])
  ),
  ...['demo', 'stream-heavy'].flatMap(w =>
    ['cpu', 'wall'].map(k => [
      'P2 overhead',
      `${w}: ${k === 'cpu' ? 'CPU' : 'wall'} time, streaming on / off`,
      'overhead',
      `${w} on ${k} ratio`,
      '×',
      3,
      ['<=', 1.03, '≤ 1.03×'],
      k === 'wall'
        ? 'the end-of-run flush, which waits for the server to store the last batches'
        : 'the per-run start (ping, clear_owner, sockets: ~30 ms of CPU) and the per-image copy into the ring',
      P2
    ])
  ),
  ...['down', 'frozen'].map(c => [
    'P2 overhead',
    `demo, server ${c}: the pipeline's total streaming wait (max of rounds)`,
    'overhead',
    `demo ${c} wait max ms`,
    ' ms',
    0,
    ['<=', 1000, '≤ 1000 ms'],
    'the wait for a liveness ping (500 ms) before the flush gives up on the server',
    P2
  ]),
  [
    'P3 save → paint',
    'first paint, p50',
    'panel',
    'first paint p50 ms',
    ' ms',
    0,
    ['<=', 50, '≤ 50 ms'],
    'waiting for a frame on SwiftShader (CPU compositing) and the preview request',
    P34
  ],
  ['P3 save → paint', 'first paint, p95', 'panel', 'first paint p95 ms', ' ms', 0, null, '', P34],
  [
    'P3 save → paint',
    'full refinement / bare fetch of the same bytes, p50',
    'panel',
    'refinement over bare p50',
    '×',
    2,
    ['<=', 1.3, '≤ 1.3×'],
    'frames on SwiftShader after the transfer',
    P34
  ],
  [
    'P3 save → paint',
    'full refinement / bare fetch, p95',
    'panel',
    'refinement over bare p95',
    '×',
    2,
    null,
    '',
    P34
  ],
  [
    'P3 save → paint',
    'MiB fetched per painted plane (to full resolution)',
    'panel',
    'MiB per plane',
    ' MiB',
    2,
    null,
    '',
    P34
  ],
  ...[1, 2].flatMap(d => [
    [
      'P4 scrubbing',
      `planes painted/s, devicePixelRatio ${d}`,
      'panel',
      `planes/s DPR ${d}`,
      '/s',
      1,
      ['>=', 60, '≥ 60/s'],
      'SwiftShader: every changed frame composited and swapped on the CPU (SwapBuffers)',
      P34
    ],
    [
      'P4 scrubbing',
      `idle page frames/s, devicePixelRatio ${d} (baseline)`,
      'panel',
      `idle frames/s DPR ${d}`,
      '/s',
      1,
      null,
      '',
      P34
    ]
  ]),
  [
    'P5 scale',
    'server RSS peak (VmHWM)',
    'scale',
    'server RSS peak MiB',
    ' MiB',
    0,
    ['<=', 2048, '≤ 2048 MiB'],
    'the memory budget bounds planes and caches, not V8 and zeromq',
    P5
  ],
  [
    'P5 scale',
    'browser heap + ArrayBuffers peak while scrubbing',
    'scale',
    'browser heap peak MiB',
    ' MiB',
    0,
    ['<=', 1024, '≤ 1024 MiB'],
    "the widget's plane cache and levels",
    P5
  ],
  [
    'P5 scale',
    'sent = stored + dropped',
    'scale',
    'accounted',
    '',
    0,
    ['true', true, 'holds'],
    'an image lost between producer and server',
    P5
  ],
  [
    'P5 scale',
    'dropped at the default settings',
    'scale',
    'dropped',
    '',
    0,
    ['==', 0, '0'],
    "the producer's queue refused batches",
    P5
  ],
  ...['tiff 2048 uint16 write', 'tiff 2048 uint16 read'].map(k => [
    'I/O',
    `TIFF 2048² uint16 ${k.split(' ')[3]}, ours / tifffile`,
    'io',
    k,
    '×',
    2,
    ['<=', 3, '≤ 3×'],
    null,
    IO
  ]),
  ...['zarr_v2', 'zarr_v3'].flatMap(z =>
    ['write', 'read'].map(k => [
      'I/O',
      `zarr ${z === 'zarr_v2' ? 'v2' : 'v3'} ${k} per plane, ours / zarr-python`,
      'io',
      `${z} ${k}`,
      '×',
      2,
      ['<=', 2, '≤ 2×'],
      null,
      IO
    ])
  ),
  ...['gaussian', 'otsu', 'label', 'measure'].map(k => [
    'functions',
    `${k}, ours / scikit-image`,
    'functions',
    k,
    '×',
    2,
    ['<=', 3, '≤ 3×'],
    null,
    FUNCTIONS
  ]),
  [
    'Run All',
    'second Run All of the demo: click → a plane of the new run on screen',
    'runall',
    'first plane shown ms',
    ' ms',
    0,
    ['<=', 1500, '≤ 1500 ms'],
    'the Deno kernel running the demo and the panel seeing its new generation',
    RUN_ALL
  ],
  ['Run All', '… the whole composite on screen', 'runall', 'image ms', ' ms', 0, null, '', RUN_ALL],
  [
    'restore',
    'spawn → one restored plane served (12 GiB store)',
    'restore',
    'served ms',
    ' ms',
    0,
    ['<=', 2000, '≤ 2000 ms'],
    'listing and replaying the store per plane, after a Node start',
    RESTORE
  ],
  [
    'restore',
    'spawn → an empty server answers ping (baseline)',
    'restore',
    'empty start ms',
    ' ms',
    0,
    null,
    '',
    RESTORE
  ],
  [
    'open',
    'open a 384-well OME-Zarr plate → first well painted',
    'open',
    'first well ms',
    ' ms',
    0,
    ['<=', 1000, '≤ 1000 ms'],
    "the plate source's start and the widget's first paint",
    OPEN
  ],
  [
    'open',
    '… zarr-python reads the same (baseline)',
    'open',
    'first well zarr-python ms',
    ' ms',
    0,
    null,
    '',
    OPEN
  ],
  [
    'open',
    'open → plate grid painted (384 wells)',
    'open',
    'grid ms',
    ' ms',
    0,
    ['<=', 2000, '≤ 2000 ms'],
    "the server reading 384 wells' thumbnails through the plate source",
    OPEN
  ],
  [
    'open',
    '… zarr-python reads the same (baseline)',
    'open',
    'grid zarr-python ms',
    ' ms',
    0,
    null,
    '',
    OPEN
  ]
];
