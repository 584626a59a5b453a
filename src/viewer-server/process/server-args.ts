/**
 * Arguments of the server entry: `main.js --port N [--memory-budget BYTES] [--store DIR]
 * [--store-limit BYTES] [--fresh] [--log FILE] [--requested-port P] [--remote HOST:PORT]`. Byte sizes accept
 * suffixes (512M, 2G, 2GiB). `--requested-port`: the port the user asked for, when it was
 * held by someone else and ensureServer chose N instead (recorded so the next start for P
 * finds this server; the layer store is the requested port's, so it comes back there too).
 * `--fresh`: start with an empty layer store (the only option without a value).
 */
import { DEFAULT_DATA_PORT, dataPortProblem } from '../../protocol/index.js';
import { defaultServerLog, defaultStoreDir } from './paths.js';

/** The RSS a server at its default settings stays within (issue 14, P5). */
export const DEFAULT_RSS_BOUND = 2 * 1024 ** 3;
/**
 * What the server needs besides its budget: an idle server's RSS (~75 MiB: Node, V8, zeromq,
 * the code) and V8's and zeromq's working memory while serving (~25 MiB at P5's peak), with a
 * margin. RSS ≈ idle + budget + working memory, so the default budget is the bound minus it.
 */
export const RSS_HEADROOM = 256 * 1024 ** 2;
/** 1.75 GiB: RSS stays within DEFAULT_RSS_BOUND by design (docs/viewer-server.md). */
export const DEFAULT_MEMORY_BUDGET = DEFAULT_RSS_BOUND - RSS_HEADROOM;
/** Default bound on the layer store on disk. */
export const DEFAULT_STORE_LIMIT = 20 * 1024 ** 3;

export interface ServerArgs {
  port: number;
  memoryBudgetBytes: number;
  storeDir: string;
  storeLimitBytes: number;
  fresh: boolean;
  logFile: string;
  requestedPort: number;
  /** `--remote HOST:PORT`: the CURVE data socket for producers on other machines. */
  remote: { host: string; port: number } | null;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match)
    throw new UsageError(
      `cannot read ${JSON.stringify(text)} as a byte size; write e.g. 2147483648, 512M or 2G`
    );
  const power = ' kmgt'.indexOf((match[2] || ' ').toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

export function parsePort(text: string | undefined): number {
  const port = Number(text);
  const problem = dataPortProblem(port);
  if (problem) throw new UsageError(`--port ${text}: ${problem}`);
  return port;
}

/** Read `--name value` pairs; unknown options are an error naming the known ones. */
export function readOptions(
  argv: readonly string[],
  known: readonly string[]
): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--')
      ? arg.slice(2).split(/=(.*)/s, 2)
      : [undefined, undefined];
    if (name === undefined || !known.includes(name)) {
      throw new UsageError(
        `unknown argument ${JSON.stringify(arg)}; options: ${known.map(k => `--${k}`).join(', ')}`
      );
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  return options;
}

export function parseServerArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env
): ServerArgs {
  const fresh = argv.includes('--fresh');
  const options = readOptions(
    argv.filter(a => a !== '--fresh'),
    ['port', 'memory-budget', 'store', 'store-limit', 'log', 'requested-port', 'remote']
  );
  const port = parsePort(options.get('port') ?? String(DEFAULT_DATA_PORT));
  const budget = options.has('memory-budget')
    ? parseBytes(options.get('memory-budget')!)
    : DEFAULT_MEMORY_BUDGET;
  const requestedPort = options.has('requested-port')
    ? parsePort(options.get('requested-port'))
    : port;
  return {
    port,
    memoryBudgetBytes: budget,
    storeDir: options.get('store') ?? defaultStoreDir(requestedPort, env),
    storeLimitBytes: options.has('store-limit')
      ? parseBytes(options.get('store-limit')!)
      : DEFAULT_STORE_LIMIT,
    fresh,
    logFile: options.get('log') ?? defaultServerLog(port, env),
    requestedPort,
    remote: options.has('remote') ? parseRemote(options.get('remote')!) : null
  };
}

/** `--remote HOST:PORT` (`[v6addr]:PORT` for IPv6); HOST may be 0.0.0.0 (every interface). */
export function parseRemote(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(
      `--remote ${JSON.stringify(text)}: write the address and port remote producers connect to, e.g. 0.0.0.0:9555 or 10.0.0.5:9555`
    );
  return { host: match[1] ?? match[2], port };
}
