/**
 * Producers by host for a status line (issue 15): a queued run's workers stream from other
 * machines, and the server counts their connections per host (counters.remote_producers).
 */

/** `2 hosts: 10.0.0.2 ×3, 10.0.0.3 ×1`, hosts in order; '' when no remote producer streams. */
export function producersByHostText(byHost: Readonly<Record<string, number>>): string {
  const hosts = Object.keys(byHost).sort();
  if (hosts.length === 0) return '';
  const each = hosts.map(host => `${host} ×${byHost[host]}`).join(', ');
  return `${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'}: ${each}`;
}
