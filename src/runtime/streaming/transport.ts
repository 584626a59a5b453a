/**
 * How a producer's pixels travel to the viewer server, chosen in this one place:
 * - `ring`: reusable shared-memory slots of this process (protocol/node/shm-ring.ts),
 *   the default with a server that offers it: no page allocation or unlink per image;
 * - `segment`: a fresh `plv_` segment per image, which the server unlinks; every server
 *   reads it, so it is the choice with one that does not say what it reads (older ones);
 * - `frames`: the pixels as raw frames of the message, for a producer on another host
 *   (no shared memory there) or when asked for.
 * docs/protocol.md, "Transports", says what each puts on the wire.
 */
export type Transport = 'ring' | 'segment' | 'frames';

export const TRANSPORTS: readonly Transport[] = ['ring', 'segment', 'frames'];

/**
 * The transport to use: `requested` when the server reads it, else the fastest it reads.
 * `offered` is the pong's `transports`; a server without that field reads segments and
 * frames only. A requested one the server cannot read is an error naming both.
 */
export function chooseTransport(
  offered: readonly string[] | undefined,
  requested?: Transport
): Transport {
  const reads = offered ?? ['segment', 'frames'];
  if (requested !== undefined) {
    if (!TRANSPORTS.includes(requested))
      throw new Error(
        `unknown transport ${JSON.stringify(requested)}; use one of ${TRANSPORTS.join(', ')}`
      );
    if (!reads.includes(requested))
      throw new Error(
        `the viewer server does not read the ${requested} transport (it reads ${reads.join(', ')}); update the server or choose one of those`
      );
    return requested;
  }
  return reads.includes('ring') ? 'ring' : 'segment';
}
