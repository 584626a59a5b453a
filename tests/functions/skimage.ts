/**
 * Runs scikit-image (the project's .venv) on the same arrays as a test: inputs are written as
 * raw files, the Python `code` reads them from the dict `a` (numpy arrays) and puts its results
 * in the dict `out`, which come back as NdArrays (or numbers: 0-d results).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { typedArrayCtor, type Dtype } from '../../src/protocol/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { python } from '../runtime/python.js';

const RUNNER = `
import json, sys, os
import numpy as np
_dir = sys.argv[1]
spec = json.load(open(os.path.join(_dir, 'in.json')))
a = {k: np.fromfile(os.path.join(_dir, k + '.bin'), dtype=v['dtype']).reshape(v['shape']) for k, v in spec.items()}
out = {}
exec(open(os.path.join(_dir, 'code.py')).read())
res = {}
for k, v in out.items():
    v = np.asarray(v)
    if v.dtype == np.bool_: v = v.astype(np.uint8)
    if v.dtype == np.int64: v = v.astype(np.int32)
    if v.dtype == np.uint64: v = v.astype(np.float64)
    if v.dtype == np.float16: v = v.astype(np.float32)
    np.ascontiguousarray(v).tofile(os.path.join(_dir, k + '.out'))
    res[k] = {'shape': list(v.shape), 'dtype': str(v.dtype)}
json.dump(res, open(os.path.join(_dir, 'out.json'), 'w'))
`;

export async function skimage(
  code: string,
  inputs: Record<string, NdArray>
): Promise<Record<string, NdArray>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'plv-skimage-'));
  try {
    const spec: Record<string, { shape: number[]; dtype: Dtype }> = {};
    for (const [name, array] of Object.entries(inputs)) {
      spec[name] = { shape: [...array.shape], dtype: array.dtype };
      const d = array.data;
      await writeFile(
        path.join(dir, `${name}.bin`),
        new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      );
    }
    await writeFile(path.join(dir, 'in.json'), JSON.stringify(spec));
    await writeFile(path.join(dir, 'code.py'), code);
    await python(RUNNER, [dir]);
    const res = JSON.parse(await readFile(path.join(dir, 'out.json'), 'utf8')) as Record<
      string,
      { shape: number[]; dtype: Dtype }
    >;
    const out: Record<string, NdArray> = {};
    for (const [name, { shape, dtype }] of Object.entries(res)) {
      const bytes = await readFile(path.join(dir, `${name}.out`));
      const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      out[name] = { data: new (typedArrayCtor(dtype))(copy), shape, dtype };
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
