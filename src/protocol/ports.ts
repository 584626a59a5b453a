/**
 * Port layout of one viewer server. The data port is the one users configure (5555 as in
 * OpenHCS); the others derive from it so that one number identifies a server.
 */
export const DEFAULT_DATA_PORT = 5555;
export const DEFAULT_HOST = '127.0.0.1';

/** Control channel (ping, status, clear, shutdown): data port + 1000, as in OpenHCS. */
export function controlPort(dataPort: number): number {
  return dataPort + 1000;
}

/**
 * HTTP + WebSocket port for the browser widget: data port + 3000 (8555 by default).
 * +2000 is skipped because OpenHCS uses the fixed port 7555 for image acks.
 */
export function httpPort(dataPort: number): number {
  return dataPort + 3000;
}

/**
 * The data ports a server may use: P + 3000 must stay a valid port, and ports below 1024
 * are privileged. The one range every room (and the Python handler, through the CLI) checks.
 */
export const MIN_DATA_PORT = 1024;
export const MAX_DATA_PORT = 65535 - 3000;

/** Why `port` cannot be a data port, as a sentence, or undefined when it can. */
export function dataPortProblem(port: unknown): string | undefined {
  if (typeof port === 'number' && Number.isInteger(port)) {
    if (port >= MIN_DATA_PORT && port <= MAX_DATA_PORT) return undefined;
  }
  return (
    `data port must be an integer in ${MIN_DATA_PORT}..${MAX_DATA_PORT} ` +
    `(the server also takes port+1000 and port+3000), got ${JSON.stringify(port) ?? String(port)}`
  );
}

export function isDataPort(port: unknown): port is number {
  return dataPortProblem(port) === undefined;
}

export function tcpEndpoint(host: string, port: number): string {
  return `tcp://${host}:${port}`;
}
