/**
 * The producer's transport choice (transport.ts): the fastest the server reads, segments
 * with a server that does not say (an older one), a requested one only when it is read.
 */
import { chooseTransport, type Transport } from './transport.js';

it('takes the ring from a server that offers it, segments from one that says nothing', () => {
  expect(chooseTransport(['ring', 'segment', 'frames'])).toBe('ring');
  expect(chooseTransport(undefined)).toBe('segment');
  expect(chooseTransport(['segment'])).toBe('segment');
});

it('takes a requested transport the server reads (frames for a remote producer)', () => {
  expect(chooseTransport(['ring', 'segment', 'frames'], 'frames')).toBe('frames');
  expect(chooseTransport(undefined, 'frames')).toBe('frames');
});

it('names the transports a server reads when the requested one is not among them', () => {
  expect(() => chooseTransport(undefined, 'ring')).toThrow(
    /does not read the ring transport \(it reads segment, frames\)/
  );
  expect(() => chooseTransport(['ring'], 'shm' as Transport)).toThrow(/unknown transport "shm"/);
});
