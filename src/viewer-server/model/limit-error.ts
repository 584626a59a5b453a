/**
 * An image the model refuses because storing it would exceed one of the server's bounds
 * (protocol/limits.ts). Thrown before anything changed; the message says what, where and
 * how to stay within the limit, and the image counts as rejected.
 */
export class LimitError extends Error {
  override name = 'LimitError';
  constructor(
    /** The constant of protocol/limits.ts that was hit. */
    readonly limit: string,
    message: string
  ) {
    super(message);
  }
}
