/** Append-only log file of a detached server (it has no terminal to print to). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function openServerLog(file: string): (line: string) => void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a', 0o600);
  return (line: string) => {
    try {
      fs.writeSync(fd, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
    } catch {
      // A full disk must not take the server down; the line is lost.
    }
  };
}
