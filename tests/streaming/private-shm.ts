/**
 * Imported FIRST by tests that count shared-memory segments: gives this test file (and the
 * servers it spawns, which inherit the variable) a private directory under /dev/shm, so the
 * count is not disturbed by other test files streaming at the same time.
 */
import * as fs from 'node:fs';

export const PRIVATE_SHM_DIR = fs.mkdtempSync('/dev/shm/plv-test-');
process.env.PIPELINE_VIEWER_SHM_DIR = PRIVATE_SHM_DIR;
