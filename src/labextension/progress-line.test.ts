import { RunProgressSchema } from '../protocol/notebook-display.js';
import { progressLine, shownPhase } from './progress-line.js';

const base = {
  title: 'demo',
  port: 5555,
  wells_done: 3,
  wells_total: 8,
  frames_streamed: 12,
  drops: 1,
  elapsed_s: 4.26,
  created_at: 0
};

describe('progressLine', () => {
  it('names the workers, retries and failures of a queued run', () => {
    const queue = {
      workers: { 'node-b:40': { done: 8, failed: 1 }, 'node-a:12': { done: 9, failed: 0 } },
      retries: 2,
      failed: 1
    };
    expect(progressLine(RunProgressSchema.parse({ ...base, phase: 'running', queue }))).toBe(
      'wells 3/8 · 12 frames streamed · 1 drops · 4.3 s · 2 workers (node-a:12 9 done; ' +
        'node-b:40 8 done, 1 failed) · 2 retries · 1 failed'
    );
  });

  it('reads as wells, frames, drops and time while running', () => {
    expect(progressLine(RunProgressSchema.parse({ ...base, phase: 'running' }))).toBe(
      'wells 3/8 · 12 frames streamed · 1 drops · 4.3 s'
    );
  });

  it('starts with the outcome and ends with the server pid in the summary', () => {
    expect(
      progressLine(
        RunProgressSchema.parse({ ...base, phase: 'done', wells_done: 8, server_pid: 42 })
      )
    ).toBe('done · wells 8/8 · 12 frames streamed · 1 drops · 4.3 s · server pid 42');
    expect(progressLine(RunProgressSchema.parse({ ...base, phase: 'failed' }))).toMatch(
      /^failed · wells 3\/8/
    );
  });

  it('says the viewer is ready for a show() output', () => {
    expect(
      progressLine(RunProgressSchema.parse({ ...base, phase: 'viewer', frames_streamed: 1 }))
    ).toBe('viewer ready · 1 frames streamed · 1 drops · 4.3 s');
  });
});

describe('runs that did not end well (issue 10, defect 17)', () => {
  it('a running output of a run that is over reads "stopped (why)"', () => {
    const p = RunProgressSchema.parse({ ...base, phase: 'running' });
    expect(progressLine(p, 'kernel restarted')).toBe(
      'stopped (kernel restarted) · wells 3/8 · 12 frames streamed · 1 drops · 4.3 s'
    );
    expect(shownPhase(p, 'kernel restarted')).toBe('stopped');
    expect(shownPhase(p, null)).toBe('running');
  });

  it('a finished output stays what it was, whatever the kernel does later', () => {
    const p = RunProgressSchema.parse({ ...base, phase: 'done' });
    expect(progressLine(p, 'kernel restarted')).toMatch(/^done · /);
    expect(shownPhase(p, 'kernel restarted')).toBe('done');
  });

  it('a degraded run says so and shows no dead server pid', () => {
    const p = RunProgressSchema.parse({
      ...base,
      phase: 'degraded',
      wells_done: 8,
      frames_streamed: 6,
      drops: 18,
      warning: 'the viewer server on port 5555 stopped during the run (pid 42 is gone)'
    });
    expect(progressLine(p)).toBe('degraded · wells 8/8 · 6 frames streamed · 18 drops · 4.3 s');
  });
});
