/**
 * Which viewer server "Open Pipeline Viewer" opens when no port is named: the port of the
 * last run this page showed progress for, if its server runs; else this user's only running
 * server; with several, the user chooses; with none, the last run's port or the settings'
 * port (the panel then offers to start it). The settings' 5555 alone used to win, so a
 * notebook streaming to another port, or a second browser tab, opened an empty panel.
 * No DOM here (unit-tested); the dialog is in commands.ts.
 */
import type { RunningServer } from './server-control.js';

/** The newest run output this page rendered (its data port and creation time). */
let lastRun: { port: number; createdAt: number } | null = null;

/** Remember a run's port; older outputs (a reopened notebook) do not replace a newer one. */
export function noteRun(port: number, createdAt: number): void {
  if (!lastRun || createdAt >= lastRun.createdAt) lastRun = { port, createdAt };
}

export function lastRunPort(): number | null {
  return lastRun?.port ?? null;
}

/** Forget the last run (tests). */
export function resetLastRun(): void {
  lastRun = null;
}

export type PortChoice =
  { port: number; why: 'last-run' | 'only-server' | 'no-server' } | { choose: RunningServer[] };

/** Whether `server` serves `port` (started on it, or for it when that port was taken). */
export function serves(server: RunningServer, port: number): boolean {
  return server.ports.data === port || server.requested_port === port;
}

export function choosePort(
  servers: readonly RunningServer[],
  lastRunPort: number | null,
  settingsPort: number
): PortChoice {
  if (lastRunPort !== null) {
    const server = servers.find(s => serves(s, lastRunPort));
    if (server) return { port: server.ports.data, why: 'last-run' };
  }
  if (servers.length === 1) return { port: servers[0].ports.data, why: 'only-server' };
  if (servers.length > 1) return { choose: [...servers] };
  return { port: lastRunPort ?? settingsPort, why: 'no-server' };
}

/** One line per server for the chooser, e.g. "port 5556 (asked for 5555) · pid 123 · 14:02". */
export function serverLabel(server: RunningServer): string {
  const asked =
    server.requested_port !== server.ports.data ? ` (asked for ${server.requested_port})` : '';
  const since = new Date(server.started_at * 1000).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit'
  });
  return `port ${server.ports.data}${asked} · pid ${server.pid} · started ${since}`;
}
