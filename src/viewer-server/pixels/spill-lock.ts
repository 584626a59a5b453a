/**
 * One server per store: `<store dir>/lock` holds the pid of the server using the store.
 * The data port is the lock of a port, but a stopping server still saves planes after its
 * ports closed, and `--store DIR` can point two ports at one folder. A lock whose pid is
 * gone (kill -9, a crash) or now runs another program is stale and taken over, so it
 * cannot outlive its server for good.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The store is in use by another live server. */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';
}

const POLL_MS = 100;

/** True when `pid` is a live process that may be a viewer server (node running main.js). */
function serverAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // pid reused by another program after a crash: not a server, the lock is stale.
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('main.js');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** The pid in the lock; 0 while its writer has not written it yet (a fresh empty file). */
function holder(file: string): number | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (text === '') return Date.now() - fs.statSync(file).mtimeMs < 2000 ? 0 : null;
    return Number(text);
  } catch {
    return null;
  }
}

/**
 * Takes the store's lock, waiting up to `waitMs` for a server that still holds it (one
 * stopping); throws StoreBusyError naming that pid after the wait.
 */
export async function lockStore(dir: string, waitMs: number): Promise<() => void> {
  const file = path.join(dir, 'lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (holder(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = holder(file);
    if (pid === null || (pid !== 0 && !serverAlive(pid))) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new StoreBusyError(
        `layer store ${dir} is in use by viewer server pid ${pid}; stop that server, or start this one with another --store`
      );
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
}
