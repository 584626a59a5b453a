// Jest's global set-up: the viewer servers tests start keep their layer stores, server records
// and logs in a home of this run (deleted at the end), not in the user's
// ~/.cache/jupyterlab-pipeline-viewer, where a later run's server on the same port would
// restore them. Tests that need a home of their own still set PIPELINE_VIEWER_HOME themselves.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function setup() {
  if (process.env.PIPELINE_VIEWER_HOME) return; // the caller chose one: keep it
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-jest-home-'));
  process.env.PIPELINE_VIEWER_HOME = home;
  process.env.PLV_JEST_OWN_HOME = home;
}
