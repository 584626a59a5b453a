/**
 * The browser token of a test server, read from its record in this test file's viewer home
 * (the harness sets PIPELINE_VIEWER_HOME), as `pipeline-viewer server connect` reads it.
 */
import { BROWSER_TOKEN_HEADER } from '../../src/protocol/index.js';
import { liveServerRecord, viewerHome } from '../../src/protocol/node/index.js';

export function browserToken(port: number): string {
  const record = liveServerRecord(port);
  if (!record) throw new Error(`no live server record for port ${port} in ${viewerHome()}`);
  return record.browser_token;
}

/** Headers for an HTTP request to the browser API of the server on `port`. */
export function tokenHeaders(port: number): Record<string, string> {
  return { [BROWSER_TOKEN_HEADER]: browserToken(port) };
}
