import { QueueTally } from './queue-tally.js';
import type { WellJobResult } from './well-job.js';

function done(well: string, worker: string, sent: number): WellJobResult {
  return {
    worker,
    host: worker.split(':')[0],
    result: { well, status: 'ok', durationMs: 5, steps: [], outputs: [] },
    stream: { sent, dropped: 0, errors: [] }
  };
}

describe('QueueTally', () => {
  it('counts a well settled twice once (the completed event and the watch can both settle it)', () => {
    const events: string[] = [];
    const tally = new QueueTally(['A01', 'A02'], e => events.push(`${e.type} ${e.well}`));
    tally.completed('A01', done('A01', 'h1:1', 2));
    tally.completed('A01', done('A01', 'h1:1', 2));
    tally.completed('A02', done('A02', 'h2:1', 2));
    const result = tally.result(10, false);
    expect(result.stream.total).toEqual({ sent: 4, dropped: 0, errors: [] });
    expect(result.queue?.workers).toEqual({
      'h1:1': { host: 'h1', wellsDone: 1, wellsFailed: 0 },
      'h2:1': { host: 'h2', wellsDone: 1, wellsFailed: 0 }
    });
    expect(events).toEqual(['well-finished A01', 'well-finished A02']);
    expect(result.ok).toBe(true);
  });

  it('a failure after the well settled does not count against its worker', () => {
    const tally = new QueueTally(['A01']);
    tally.completed('A01', done('A01', 'h1:1', 1));
    tally.failed('A01', "step 'Invert': boom", 3, 'h1:1');
    const result = tally.result(10, false);
    expect(result.wells.map(w => w.status)).toEqual(['ok']);
    expect(result.queue?.workers['h1:1']).toEqual({ host: 'h1', wellsDone: 1, wellsFailed: 0 });
  });
});
