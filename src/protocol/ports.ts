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

export function tcpEndpoint(host: string, port: number): string {
  return `tcp://${host}:${port}`;
}
