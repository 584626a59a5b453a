/** The one-line text of a run's progress output (kept apart from the DOM renderer). */
import { queueProgressText, type RunProgress } from '../protocol/notebook-display.js';

/**
 * `stopped`: why a 'running' output's run is over although it never said so (the kernel
 * restarted or died, no update for a while); such a run reads "stopped (…)", not running.
 */
export function progressLine(p: RunProgress, stopped: string | null = null): string {
  const parts = [
    p.phase === 'viewer' ? 'viewer ready' : `wells ${p.wells_done}/${p.wells_total}`,
    `${p.frames_streamed} frames streamed`,
    `${p.drops} drops`,
    `${p.elapsed_s.toFixed(1)} s`
  ];
  if (p.phase === 'running' && stopped) parts.unshift(`stopped (${stopped})`);
  if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'degraded') parts.unshift(p.phase);
  if (p.queue) parts.push(queueProgressText(p.queue));
  if (p.server_pid !== null) parts.push(`server pid ${p.server_pid}`);
  return parts.join(' · ');
}

/** The renderer's data-phase: 'stopped' for a running output whose run is over. */
export function shownPhase(p: RunProgress, stopped: string | null): string {
  return p.phase === 'running' && stopped ? 'stopped' : p.phase;
}
