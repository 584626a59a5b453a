/**
 * Entry of the detached server process:
 *   node lib/viewer-server/main.js --port N [--memory-budget BYTES] [--store DIR]
 *     [--store-limit BYTES] [--fresh] [--log FILE] [--requested-port P] [--remote HOST:PORT]
 * It makes the viewer home 0700 and writes its record there (protocol/node/server-record.ts).
 * Exit codes: 0 after a shutdown, a signal, or when another viewer server already holds
 * the port (binding is the lock); 2 for bad arguments; 3 when the port is held by a
 * program that is not a viewer server; 4 when the layer store cannot be used (another
 * version's, or held by another live server: left untouched); 1 for any other failure.
 */
import { ensureViewerHome, ping } from '../protocol/node/index.js';
import { serverCurveKeys } from './sockets/curve-keys.js';
import { parseServerArgs, UsageError } from './process/server-args.js';
import { openServerLog } from './process/server-log.js';
import { PortTakenError, ViewerServer } from './viewer-server.js';

const OTHER_SERVER_WAIT_MS = 10_000;

async function main(): Promise<number | null> {
  let args;
  try {
    args = parseServerArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pipeline-viewer server: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let home: string;
  try {
    home = ensureViewerHome();
  } catch (err) {
    process.stderr.write(`pipeline-viewer server: ${(err as Error).message}\n`);
    return 2;
  }
  const log = openServerLog(args.logFile);
  log(
    `starting on data port ${args.port} (memory budget ${args.memoryBudgetBytes} bytes, store ${args.storeDir}${args.fresh ? ' (fresh)' : ''}, store limit ${args.storeLimitBytes} bytes)`
  );

  let server: ViewerServer;
  try {
    // Remote producers only with CURVE: keys from the viewer home (made at the first start).
    const keys = args.remote ? serverCurveKeys(home) : null;
    if (keys) log(`remote producers need the public key in ${keys.publicKeyFile}`);
    server = await ViewerServer.start({
      port: args.port,
      memoryBudgetBytes: args.memoryBudgetBytes,
      storeDir: args.storeDir,
      storeLimitBytes: args.storeLimitBytes,
      fresh: args.fresh,
      log,
      onShutdown: () => process.exit(0),
      record: { requestedPort: args.requestedPort, log: args.logFile },
      ...(args.remote && keys ? { remote: { ...args.remote, secretKey: keys.secretKey } } : {}),
      // OpenHCS's ack port is zmqruntime's shared_ack_port (7555); tests run their own.
      openhcs: { ackPort: Number(process.env.PIPELINE_VIEWER_OPENHCS_ACK_PORT) || 7555 }
    });
  } catch (err) {
    if (!(err instanceof PortTakenError)) {
      log(`failed to start: ${(err as Error).message}`);
      process.stderr.write(`pipeline-viewer server: ${(err as Error).message}\n`);
      const store = ['StoreVersionError', 'StoreBusyError'].includes((err as Error).name);
      return store ? 4 : 1;
    }
    // Another process bound the port first; if it is a viewer server, it is the one.
    const deadline = Date.now() + OTHER_SERVER_WAIT_MS;
    while (Date.now() < deadline) {
      const pong = await ping(args.port, { timeoutMs: 500 });
      if (pong) {
        const owner = pong.uid === undefined ? '' : ` (its user: uid ${pong.uid})`;
        log(
          `another viewer server (pid ${pong.pid}) holds port ${args.port}${owner}; this one exits`
        );
        return 0;
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    const message = `data port ${args.port} is bound by a program that does not answer as a viewer server; choose another --port`;
    log(message);
    process.stderr.write(`pipeline-viewer server: ${message}\n`);
    return 3;
  }

  const stop = (signal: string) => {
    log(`${signal}: closing`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Detached from a terminal or kernel: a hang-up of the starter must not stop the server.
  process.on('SIGHUP', () => log('SIGHUP ignored'));
  process.on('uncaughtException', err => {
    log(`uncaught: ${err.stack}`);
    void server.close().then(() => process.exit(1));
  });
  return null;
}

main().then(
  code => {
    if (code !== null) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`pipeline-viewer server: ${(err as Error).stack}\n`);
    process.exit(1);
  }
);
