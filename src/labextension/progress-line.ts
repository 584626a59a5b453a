/** The one-line text of a run's progress output (kept apart from the DOM renderer). */
import type { RunProgress } from '../protocol/notebook-display.js';

export function progressLine(p: RunProgress): string {
  const parts = [
    p.phase === 'viewer' ? 'viewer ready' : `wells ${p.wells_done}/${p.wells_total}`,
    `${p.frames_streamed} frames streamed`,
    `${p.drops} drops`,
    `${p.elapsed_s.toFixed(1)} s`
  ];
  if (p.phase === 'done') parts.unshift('done');
  if (p.phase === 'failed') parts.unshift('failed');
  if (p.server_pid !== null) parts.push(`server pid ${p.server_pid}`);
  return parts.join(' · ');
}
