/** Bounded waits with JS timers (ports 20105-20106 of the producer's range). */
import * as zmq from 'zeromq';
import { controlRequest, ControlTimeoutError, ping } from './control-client.js';
import { DeadlineError, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('rejects after the bound and closes the socket, which cancels the pending receive', async () => {
    const socket = new zmq.Dealer({ linger: 0 });
    socket.connect('tcp://127.0.0.1:20105');
    const t0 = performance.now();
    await expect(withDeadline(socket, socket.receive(), 150, 'receive')).rejects.toThrow(
      DeadlineError
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(socket.closed).toBe(true);
  });

  it('passes the result through when the operation is in time', async () => {
    const socket = new zmq.Dealer({ linger: 0 });
    await expect(withDeadline(socket, Promise.resolve(7), 1000, 'noop')).resolves.toBe(7);
    expect(socket.closed).toBe(false);
    socket.close();
  });
});

describe('control client bounds', () => {
  it('ping of a port nobody serves returns null within its timeout; a request throws ControlTimeoutError', async () => {
    const t0 = performance.now();
    expect(await ping(20106, { timeoutMs: 200 })).toBeNull();
    await expect(controlRequest(20106, { type: 'status' }, { timeoutMs: 200 })).rejects.toThrow(
      ControlTimeoutError
    );
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
