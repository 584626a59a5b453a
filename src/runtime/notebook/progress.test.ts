import { jest } from '@jest/globals';
import {
  PROGRESS_HEARTBEAT_MS,
  PROGRESS_MIME_TYPE,
  RunProgressSchema
} from '../../protocol/notebook-display.js';
import {
  degradation,
  RunProgressDisplay,
  viewerBundle,
  type DisplayFn,
  type MimeBundle
} from './progress.js';

type Call = { bundle: MimeBundle; options: { display_id: string; update: boolean } };

function recorder() {
  const calls: Call[] = [];
  const display: DisplayFn = (bundle, options) => void calls.push({ bundle, options });
  return { calls, display };
}

const progressOf = (c: Call) => RunProgressSchema.parse(c.bundle[PROGRESS_MIME_TYPE]);

describe('RunProgressDisplay', () => {
  afterEach(() => jest.useRealTimers());

  it('shows the run once, then updates the same display id in place', () => {
    let t = 1_000_000;
    const { calls, display } = recorder();
    const p = new RunProgressDisplay({
      title: 'demo',
      port: 5555,
      wellsTotal: 4,
      display,
      now: () => t,
      maxUpdatesPerSecond: 1000
    });
    t += 10;
    p.update({ wellsDone: 1, framesStreamed: 6, drops: 0 });
    t += 1500;
    const end = p.finish({ wellsDone: 4, framesStreamed: 24, drops: 1, serverPid: 4242 });

    expect(calls.map(c => c.options.update)).toEqual([false, true, true]);
    expect(new Set(calls.map(c => c.options.display_id)).size).toBe(1);
    expect(progressOf(calls[1]!)).toMatchObject({
      phase: 'running',
      wells_done: 1,
      frames_streamed: 6
    });
    const last = progressOf(calls[2]!);
    expect(last).toMatchObject({
      phase: 'done',
      wells_done: 4,
      wells_total: 4,
      frames_streamed: 24,
      drops: 1,
      server_pid: 4242
    });
    expect(last.elapsed_s).toBeCloseTo(1.51, 5);
    expect(end.phase).toBe('done');
    expect(String(calls[2]!.bundle['text/plain'])).toContain(
      'wells 4/4, 24 frames streamed, 1 drops'
    );
  });

  it('throttles bursts of updates and sends the latest counters after the interval', () => {
    jest.useFakeTimers();
    const { calls, display } = recorder();
    const p = new RunProgressDisplay({
      title: 't',
      port: 5555,
      wellsTotal: 100,
      display,
      maxUpdatesPerSecond: 4
    });
    for (let i = 1; i <= 50; i++) p.update({ wellsDone: i });
    expect(calls.length).toBe(1); // only the initial display within the first 250 ms
    jest.advanceTimersByTime(260);
    expect(calls.length).toBe(2);
    expect(progressOf(calls[1]!).wells_done).toBe(50);
    p.finish({ error: new Error('step "segment" failed in well B02') });
    const last = progressOf(calls[2]!);
    expect(last.phase).toBe('failed');
    expect(last.error).toBe('step "segment" failed in well B02');
  });

  it('ignores updates after the end and rejects a bad total', () => {
    const { calls, display } = recorder();
    const p = new RunProgressDisplay({
      title: 't',
      port: 5555,
      wellsTotal: 2,
      display,
      maxUpdatesPerSecond: 1000
    });
    p.finish({ wellsDone: 2 });
    p.update({ wellsDone: 1 });
    expect(calls.length).toBe(2);
    expect(
      () => new RunProgressDisplay({ title: 't', port: 5555, wellsTotal: -1, display })
    ).toThrow(/wellsTotal/);
  });

  it('works silently outside a kernel (no display function)', () => {
    const p = new RunProgressDisplay({ title: 't', port: 5555, wellsTotal: 1, display: null });
    p.update({ wellsDone: 1 });
    expect(p.finish().phase).toBe('done');
  });

  it('makes a viewer bundle that asks the frontend to open the panel', () => {
    const b = viewerBundle(20301, 77, 3);
    expect(RunProgressSchema.parse(b[PROGRESS_MIME_TYPE])).toMatchObject({
      phase: 'viewer',
      port: 20301,
      open_viewer: true,
      server_pid: 77
    });
    expect(String(b['text/html'])).toContain('Open Pipeline Viewer');
  });
});

describe('a run that stopped or lost frames (issue 10, defect 17)', () => {
  afterEach(() => jest.useRealTimers());

  it('resends a running output while nothing moves, so a stopped run can be told apart', () => {
    jest.useFakeTimers();
    const { calls, display } = recorder();
    const p = new RunProgressDisplay({ title: 't', port: 5555, wellsTotal: 2, display });
    jest.advanceTimersByTime(3 * PROGRESS_HEARTBEAT_MS + 10);
    expect(calls.length).toBe(4);
    expect(progressOf(calls[3]!).elapsed_s).toBeGreaterThanOrEqual(
      (3 * PROGRESS_HEARTBEAT_MS) / 1000
    );
    p.finish();
    jest.advanceTimersByTime(3 * PROGRESS_HEARTBEAT_MS);
    expect(calls.length).toBe(5); // no heartbeat after the summary
  });

  it('finishes as degraded, not done, with the reason', () => {
    const { calls, display } = recorder();
    const p = new RunProgressDisplay({ title: 't', port: 5555, wellsTotal: 4, display });
    const warning = 'the viewer server on port 5555 stopped during the run (pid 42 is gone)';
    p.finish({ wellsDone: 4, framesStreamed: 6, drops: 18, serverPid: null, warning });
    const last = progressOf(calls.at(-1)!);
    expect(last).toMatchObject({ phase: 'degraded', warning, server_pid: null });
    expect(String(calls.at(-1)!.bundle['text/plain'])).toContain(warning);
  });

  it("says why frames were lost: a server that stopped, or the stream's reason", () => {
    expect(
      degradation({ sent: 6, dropped: 18, serverAlive: false, serverPid: 42, port: 5555 })
    ).toBe(
      'the viewer server on port 5555 stopped during the run (pid 42 is gone): 18 of 24 frames (75 %) dropped'
    );
    expect(
      degradation({
        sent: 999,
        dropped: 1,
        serverAlive: true,
        serverPid: 42,
        port: 5555,
        errors: ['queue full']
      })
    ).toBe('1 of 1000 frames (< 1 %) dropped: queue full');
    expect(
      degradation({ sent: 24, dropped: 0, serverAlive: true, serverPid: 42, port: 5555 })
    ).toBeUndefined();
  });
});
