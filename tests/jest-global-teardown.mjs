// Removes the home made by jest-global-setup.mjs (only that one: never a home the caller chose).
import * as fs from 'node:fs';

export default function teardown() {
  const home = process.env.PLV_JEST_OWN_HOME;
  if (home) fs.rmSync(home, { recursive: true, force: true, maxRetries: 3 });
}
