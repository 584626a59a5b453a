import * as net from 'node:net';
import { listenerUids, listenerUidsIn, portFree } from './port-probe.js';

const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:4E5E 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1
   1: 0100007F:4E5E 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 00000000:4E5F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1`;

it('reads the owners of listening sockets only, by port', () => {
  expect(listenerUidsIn(TABLE, 0x4e5e)).toEqual([1001]); // the established line is not a listener
  expect(listenerUidsIn(TABLE, 0x4e5f)).toEqual([0]);
  expect(listenerUidsIn(TABLE, 1)).toEqual([]);
});

it('sees our own listener in /proc/net/tcp and the port taken', async () => {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(20088, '127.0.0.1', resolve));
  try {
    expect(listenerUids(20088)).toEqual([process.getuid!()]);
    expect(await portFree(20088)).toBe(false);
  } finally {
    await new Promise(resolve => server.close(resolve));
  }
  expect(await portFree(20088)).toBe(true);
});
