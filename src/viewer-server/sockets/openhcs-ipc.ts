/**
 * OpenHCS's default transport on Linux is IPC (zmqruntime transport_modes.py: IPC has
 * priority 0): data at `ipc://~/.openhcs/ipc/openhcs-zmq-<P>.sock`, control at
 * `...-<P+1000>.sock`, acks at `...-7555.sock` (openhcs/runtime/zmq_config.py). The
 * server binds the data and control paths only after it won the TCP data port (the
 * one-server-per-port lock), and only when no live process listens there: a socket file
 * that accepts a connection belongs to someone else (an OpenHCS napari viewer) and is left
 * alone; one that refuses is stale and replaced. ZAP still admits IPC peers of our uid only.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Unix socket paths are limited to 107 bytes. */
const MAX_SOCKET_PATH = 107;

/** `~/.openhcs/ipc/openhcs-zmq-<port>.sock` (HOME as Python's Path.home() reads it). */
export function openHcsIpcPath(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.HOME ?? os.homedir(), '.openhcs', 'ipc', `openhcs-zmq-${port}.sock`);
}

/** Whether a process accepts connections on the Unix socket `file` (bounded: 1 s). */
export function socketIsLive(file: string): Promise<boolean> {
  return new Promise(resolve => {
    const probe = net.connect({ path: file });
    const done = (live: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), 1000); // a hung listener is still someone's
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/**
 * Why `file` cannot be bound now, or null after making room (a stale socket file of ours
 * removed; libzmq would otherwise unlink any file there, a live owner's included).
 */
export async function ipcPathProblem(file: string): Promise<string | null> {
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) return `path longer than ${MAX_SOCKET_PATH} bytes`;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return null;
  if (!stat.isSocket()) return 'a file that is no socket is there';
  if (stat.uid !== process.getuid?.()) return `the socket belongs to uid ${stat.uid}`;
  if (await socketIsLive(file)) return 'another process listens there';
  fs.rmSync(file, { force: true });
  return null;
}
