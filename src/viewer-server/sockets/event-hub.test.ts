/**
 * EventHub's flush timing (issue 14, P3): the first change after a quiet spell goes out at
 * once, not at the next 50 ms tick; a burst still goes out at most once per 50 ms.
 * A fake core and a fake WebSocket client (only this file's unit under test is real).
 */
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import type { ViewerEvent } from '../../protocol/index.js';
import type { ViewerCore } from '../core/viewer-core.js';
import type { BrowserGuard } from './browser-guard.js';
import { EventHub } from './event-hub.js';

let queued: ViewerEvent[] = [];
const core = {
  takeEvents: () => queued.splice(0),
  state: () => ({}),
  counters: { snapshot: () => ({}), rate: () => 0 }
} as unknown as ViewerCore;
const guard = { refuseFrame: () => {}, checkUpgrade: () => null } as unknown as BrowserGuard;
const sent: string[] = [];
const client = {
  readyState: 1,
  OPEN: 1,
  bufferedAmount: 0,
  send: (text: string) => sent.push(text),
  terminate: () => {}
};
let hub: EventHub;

beforeEach(() => {
  jest.useFakeTimers();
  sent.length = 0;
  queued = [];
  hub = new EventHub(core, guard);
  (hub as unknown as { wss: { clients: Set<unknown> } }).wss.clients.add(client);
});

afterEach(() => {
  hub.close();
  jest.useRealTimers();
});

const plane = (revision: number): ViewerEvent => ({
  type: 'plane',
  layer: 'L',
  index: [0],
  revision
});

test('a change after a quiet spell is sent on the next turn, not at the 50 ms tick', () => {
  jest.advanceTimersByTime(200); // quiet: ticks flushed nothing
  queued.push(plane(1));
  hub.soon();
  jest.advanceTimersByTime(0);
  expect(sent.map(s => JSON.parse(s).revision)).toEqual([1]);
});

test('a burst is still coalesced: at most one flush per 50 ms after the first', () => {
  jest.advanceTimersByTime(200);
  queued.push(plane(1));
  hub.soon();
  jest.advanceTimersByTime(0);
  queued.push(plane(2));
  hub.soon();
  hub.soon();
  jest.advanceTimersByTime(10);
  expect(sent).toHaveLength(1); // the second waits for the 50 ms since the first
  jest.advanceTimersByTime(40);
  expect(sent.map(s => JSON.parse(s).revision)).toEqual([1, 2]);
});
