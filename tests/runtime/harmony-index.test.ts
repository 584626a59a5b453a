/**
 * The Harmony export written by the fixtures' generator (tests/runtime/fixtures/make_plates.py,
 * ElementTree, Harmony's schema) is read by the fast scanner, not left to the full parser, and
 * gives what the full parser gives. (The plate read from it: plate-formats.test.ts.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseHarmonyIndexFully } from '../../src/runtime/plate/harmony-index.js';
import { scanHarmonyIndex } from '../../src/runtime/plate/harmony-scan.js';
import { makePlate } from './fixture-plates.js';

it("reads the generator's Harmony index fast, as the full parser does", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harmony-index-'));
  try {
    await makePlate('harmony', path.join(dir, 'plate'));
    const xml = await readFile(path.join(dir, 'plate', 'Images', 'Index.idx.xml'), 'utf8');
    const fast = scanHarmonyIndex(xml);
    expect(fast).not.toBeNull();
    expect(fast).toStrictEqual(parseHarmonyIndexFully(xml));
    expect(fast?.images).toHaveLength(48);
    expect(fast?.channels.map(c => c.ChannelName)).toEqual(['HOECHST 33342', 'Alexa 488']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
