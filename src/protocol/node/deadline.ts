/**
 * A bound on one socket operation, kept with a JS timer that closes the socket when it expires
 * (closing rejects the pending send/receive). zeromq's own sendTimeout/receiveTimeout options
 * are not used: when they expire inside Deno's N-API shim the process segfaults (deno 2.9,
 * zeromq 6.8, checked here), and the producer must run in Deno's Jupyter kernel.
 */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  /** Same code zeromq uses for its own timeouts, so callers treat both alike. */
  readonly code = 'EAGAIN';
}

export interface ClosableSocket {
  readonly closed: boolean;
  close(): void;
}

export function withDeadline<T>(socket: ClosableSocket, operation: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineError(`${what} timed out after ${timeoutMs} ms`));
      if (!socket.closed) socket.close();
    }, Math.max(0, timeoutMs));
  });
  return Promise.race([operation, expired]).finally(() => clearTimeout(timer));
}
