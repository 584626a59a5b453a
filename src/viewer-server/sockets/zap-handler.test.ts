import { zapRefusal } from './zap-handler.js';

it('allows loopback TCP peers and refuses the others', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
    expect(zapRefusal(address, 1000)).toBeNull();
  }
  for (const address of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '']) {
    expect(zapRefusal(address, 1000)).toBe('not_loopback');
  }
});

it('allows IPC peers of the server uid only (libzmq: localhost:<uid>:<gid>:<pid>)', () => {
  expect(zapRefusal('localhost:1000:1000:4242', 1000)).toBeNull();
  expect(zapRefusal('localhost:1001:1000:4242', 1000)).toBe('foreign_uid');
  expect(zapRefusal('localhost:0:0:1', 1000)).toBe('foreign_uid');
});
