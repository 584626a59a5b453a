/**
 * Other hosts on one machine, for the cluster tests: Linux network namespaces joined to a
 * host-side bridge by veth pairs on a private /24, so a worker inside a namespace reaches
 * Redis and the viewer only over a real network link and with its own address. Needs root
 * (CAP_NET_ADMIN); `netnsUnavailable()` says why not, without leaving anything behind.
 * Every command is bounded; `remove()` deletes what `createHosts()` made, also after a
 * failed set-up.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const TIMEOUT_MS = 10_000;

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: TIMEOUT_MS });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (e as Error).message}`);
  }
}

/** Best effort: used in clean-up, where a missing link or namespace is already clean. */
function ipQuiet(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore', timeout: TIMEOUT_MS });
}

/**
 * Why namespaces cannot be made here (null when they can): tries `ip netns add` once with a
 * throw-away name and deletes it at once. Synchronous, so a test module can decide
 * `describe` or `describe.skip` at load time.
 */
export function netnsUnavailable(): string | null {
  const probe = `plv${process.pid}p`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (added.error) return `no usable 'ip' command (${added.error.message})`;
  if (added.status !== 0) return `'ip netns add' failed: ${added.stderr.trim()} (needs root)`;
  ipQuiet('netns', 'del', probe);
  return null;
}

export interface OtherHosts {
  /** The host side's address: bind Redis and the viewer's remote port here. */
  hostAddress: string;
  /** One per namespace: its name (also its host name) and its address. */
  hosts: { name: string; address: string }[];
  /** `ip netns exec NAME` with its own host name (a UTS namespace), before `command`. */
  exec(host: string, command: string[]): string[];
  remove(): void;
}

/** A third octet of 10.231.x.0/24 not in use on this machine, chosen from the pid. */
function freeSubnet(): number {
  const used = execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8', timeout: TIMEOUT_MS });
  for (let i = 0; i < 250; i++) {
    const x = ((process.pid + i) % 250) + 1;
    if (!used.includes(` 10.231.${x}.`)) return x;
  }
  throw new Error('no free 10.231.x.0/24 subnet for the test namespaces');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes namespaces and bridges of earlier runs whose process is gone (a test run killed
 * before its afterAll); those of a live run, e.g. in another clone, are left alone.
 */
export function removeStaleHosts(): void {
  const stale = (name: string) => {
    const m = /^plv(\d+)(br|[a-hp])$/.exec(name);
    return m !== null && !alive(Number(m[1]));
  };
  const list = (...args: string[]) =>
    spawnSync('ip', args, { encoding: 'utf8', timeout: TIMEOUT_MS }).stdout ?? '';
  for (const line of list('netns', 'list').split('\n')) {
    const name = line.split(' ')[0];
    if (stale(name)) ipQuiet('netns', 'del', name);
  }
  for (const line of list('-o', 'link', 'show', 'type', 'bridge').split('\n')) {
    const name = line.split(': ')[1]?.split('@')[0];
    if (name && stale(name)) ipQuiet('link', 'del', name);
  }
}

/** `count` namespaces named plv<pid><letter>, each with a veth to the bridge plv<pid>br. */
export function createHosts(count: number): OtherHosts {
  removeStaleHosts();
  const x = freeSubnet();
  const bridge = `plv${process.pid}br`;
  const names = Array.from({ length: count }, (_, i) => `plv${process.pid}${'abcdefgh'[i]}`);
  const hosts = names.map((name, i) => ({ name, address: `10.231.${x}.${i + 2}` }));
  const remove = () => {
    for (const name of names) ipQuiet('netns', 'del', name); // takes its veth pair along
    ipQuiet('link', 'del', bridge);
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `10.231.${x}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const { name, address } of hosts) {
      ip('netns', 'add', name);
      ip('link', 'add', `${name}h`, 'type', 'veth', 'peer', 'name', `${name}n`, 'netns', name);
      ip('link', 'set', `${name}h`, 'master', bridge, 'up');
      ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', `${name}n`);
      ip('-n', name, 'link', 'set', `${name}n`, 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
    }
  } catch (e) {
    remove();
    throw e;
  }
  return {
    hostAddress: `10.231.${x}.1`,
    hosts,
    exec: (host, command) => [
      'netns',
      'exec',
      host,
      'unshare',
      '--uts',
      'sh',
      '-c',
      // every step execs, so the spawned pid is the command's own (signals reach it)
      'hostname "$0" && exec "$@"',
      host,
      ...command
    ],
    remove
  };
}
