/** Append-only log file of a detached server (it has no terminal to print to); 0600. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openPrivateAppend } from '../../protocol/node/index.js';

export function openServerLog(file: string): (line: string) => void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = openPrivateAppend(file);
  return (line: string) => {
    try {
      fs.writeSync(fd, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
    } catch {
      // A full disk must not take the server down; the line is lost.
    }
  };
}
