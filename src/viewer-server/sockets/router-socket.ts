/**
 * A ROUTER socket serves REQ and DEALER peers alike. A message arrives as
 * [identity, (empty delimiter if the peer is REQ), ...body]; the reply must carry the same
 * envelope back. A body never starts with an empty frame (its header is JSON), so an empty
 * second frame is always the REQ delimiter.
 */
export interface RoutedMessage {
  envelope: Buffer[];
  body: Buffer[];
}

export function splitEnvelope(frames: Buffer[]): RoutedMessage {
  const [identity, ...rest] = frames;
  if (rest.length > 0 && rest[0].byteLength === 0) {
    return { envelope: [identity, rest[0]], body: rest.slice(1) };
  }
  return { envelope: [identity], body: rest };
}
