/**
 * The record a viewer server writes at start into its user's viewer home,
 * `<home>/servers/<data port>.json` (0600 in a 0700 folder, replaced atomically): pid, uid,
 * ports, the port the user asked for, the control secret and the browser token. Only its
 * user can read it, so holding the secret proves a client belongs to that user; the server
 * removes it at a clean shutdown and a record whose pid is gone is ignored.
 *
 * Discovery is here and only here (CLI, runtime and the Jupyter handler through the CLI):
 * `findOwnServer(P)` is this user's live server for data port P, or the one started for P
 * on another port because P was held by someone else.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { listenerUids } from './port-probe.js';
import { currentUid, ensurePrivateDir, viewerHome } from './viewer-home.js';

export const ServerRecordSchema = z.object({
  pid: z.number().int(),
  uid: z.number().int(),
  version: z.number().int(),
  /** The data port the user asked for; `ports.data` differs when that one was taken. */
  requested_port: z.number().int(),
  ports: z.object({ data: z.number().int(), control: z.number().int(), http: z.number().int() }),
  /** Proof of ownership for status, clear_state and shutdown (field `auth`). */
  secret: z.string().min(32),
  /** What browser API requests must carry (part D: HTTP header / WebSocket parameter). */
  browser_token: z.string().min(32),
  started_at: z.number(),
  log: z.string().optional()
});
export type ServerRecord = z.infer<typeof ServerRecordSchema>;

/** 32 random bytes, URL-safe base64 (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function serverRecordsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), 'servers');
}

export function serverRecordPath(dataPort: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(serverRecordsDir(env), `${dataPort}.json`);
}

/** Write (or replace) the record of `record.ports.data`: a 0600 temp file renamed into place. */
export function writeServerRecord(
  record: ServerRecord,
  env: NodeJS.ProcessEnv = process.env
): string {
  const dir = ensurePrivateDir(serverRecordsDir(env));
  const file = path.join(dir, `${record.ports.data}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  fs.rmSync(temp, { force: true });
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(record, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  return file;
}

/** Remove the record of `dataPort` if it is still the one of process `pid`. */
export function removeServerRecord(
  dataPort: number,
  pid: number,
  env: NodeJS.ProcessEnv = process.env
): void {
  const file = serverRecordPath(dataPort, env);
  if (readRecordFile(file)?.pid === pid) fs.rmSync(file, { force: true });
}

/** A record file that is ours (owner, 0600, valid), or null. */
function readRecordFile(file: string): ServerRecord | null {
  try {
    const stat = fs.lstatSync(file);
    const uid = currentUid();
    if (!stat.isFile() || (uid >= 0 && stat.uid !== uid) || (stat.mode & 0o077) !== 0) return null;
    const parsed = ServerRecordSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Fields after the command name in /proc/<pid>/stat (state first), or null without /proc. */
function procStat(pid: number): string[] | null {
  try {
    return (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop() ?? '').split(' ');
  } catch {
    return null;
  }
}

/** Whether `pid` is a live process of this user (EPERM: alive, but someone else's now). */
export function ownProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process its parent has not reaped yet (a zombie: kill -9 under Jupyter or an
  // init that does not reap, in a container) still answers kill(pid, 0), but is gone.
  const stat = procStat(pid);
  return stat === null || stat[0] !== 'Z'; // no /proc (not Linux): the signal's answer stands
}

/**
 * Servers whose control listener was seen to be ours, by pid, the process's start time
 * (a reused pid is another process) and control port. Reading /proc/net/tcp{,6} walks the
 * kernel's whole socket table: 24 + 14 ms here, 5 times per streamed run (P2 of issue 14
 * measured it as most of streaming's CPU), while a listener stays its process's until that
 * process ends: nobody else can bind the port meanwhile.
 */
const ownListeners = new Set<string>();

/**
 * The record is of a live server of ours: its pid lives, and whatever listens on its
 * control port (if anything yet: the server writes its record just before binding it) is
 * ours. A dead pid (kill -9, crash) makes the record stale: ignored, replaced by the next start.
 * `owners` reads the listeners' uids (port-probe.ts; tests count its calls).
 */
export function isLive(
  record: ServerRecord,
  owners: (port: number) => number[] | null = listenerUids
): boolean {
  if (record.uid !== currentUid() || !ownProcessAlive(record.pid)) return false;
  const started = procStat(record.pid)?.[19]; // field 22, starttime (clock ticks after boot)
  const key = started === undefined ? null : `${record.pid}:${started}:${record.ports.control}`;
  if (key !== null && ownListeners.has(key)) return true;
  const uids = owners(record.ports.control);
  if (uids === null) return true;
  if (!uids.every(uid => uid === record.uid)) return false;
  // Only a listener seen is remembered: before its bind, someone else could still take it.
  if (key !== null && uids.length > 0) ownListeners.add(key);
  return true;
}

/** This user's live server on data port `dataPort`, or null. */
export function liveServerRecord(
  dataPort: number,
  env: NodeJS.ProcessEnv = process.env
): ServerRecord | null {
  const record = readRecordFile(serverRecordPath(dataPort, env));
  return record && record.ports.data === dataPort && isLive(record) ? record : null;
}

/** Every live server of this user (its records in the viewer home), newest first. */
export function listOwnServers(env: NodeJS.ProcessEnv = process.env): ServerRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(serverRecordsDir(env));
  } catch {
    return [];
  }
  return names
    .filter(name => /^\d+\.json$/.test(name))
    .map(name => readRecordFile(path.join(serverRecordsDir(env), name)))
    .filter((r): r is ServerRecord => r !== null && isLive(r))
    .sort((a, b) => b.started_at - a.started_at);
}

/**
 * This user's live server for requested port `port`: the one on that data port, else the
 * newest one started for it on another port (the requested → actual mapping). Null if none.
 */
export function findOwnServer(
  port: number,
  env: NodeJS.ProcessEnv = process.env
): ServerRecord | null {
  const direct = liveServerRecord(port, env);
  if (direct) return direct;
  let names: string[];
  try {
    names = fs.readdirSync(serverRecordsDir(env));
  } catch {
    return null;
  }
  const mapped = names
    .filter(name => /^\d+\.json$/.test(name))
    .map(name => readRecordFile(path.join(serverRecordsDir(env), name)))
    .filter((r): r is ServerRecord => r !== null && r.requested_port === port && isLive(r))
    .sort((a, b) => b.started_at - a.started_at);
  return mapped[0] ?? null;
}
