/**
 * Bounded socket waits that also work inside Deno's Jupyter kernel.
 *
 * Node: the operation races a JS timer that closes the socket when it expires (closing rejects
 * the pending send/receive). zeromq's own sendTimeout/receiveTimeout options are not used: when
 * they expire inside Deno's N-API shim the process segfaults (deno 2.9, zeromq 6.8).
 * Deno: the shim often misses zeromq's readiness events, so a pending receive() only resolves
 * when something else happens (measured: replies arriving after the full timeout). There we poll
 * `readable`/`writable` every 2 ms and only then call receive()/send(), which complete at once.
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

interface PolledSocket extends ClosableSocket {
  readonly readable: boolean;
  readonly writable: boolean;
}

export const IN_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
const POLL_MS = 2;

export function withDeadline<T>(
  socket: ClosableSocket,
  operation: Promise<T>,
  timeoutMs: number,
  what: string
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        reject(new DeadlineError(`${what} timed out after ${timeoutMs} ms`));
        if (!socket.closed) socket.close();
      },
      Math.max(0, timeoutMs)
    );
  });
  return Promise.race([operation, expired]).finally(() => clearTimeout(timer));
}

/** Waits (Deno only) until the socket is ready, by polling; closes it and throws on the deadline. */
async function pollReady(
  socket: PolledSocket,
  ready: 'readable' | 'writable',
  timeoutMs: number,
  what: string
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (socket.closed) throw new Error(`${what}: socket closed`);
    if (socket[ready]) return;
    if (Date.now() >= deadline) {
      socket.close();
      throw new DeadlineError(`${what} timed out after ${timeoutMs} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
}

/** `socket.receive()` bounded by `timeoutMs`. */
export async function receiveWithin<T>(
  socket: PolledSocket & { receive(): Promise<T> },
  timeoutMs: number,
  what: string
): Promise<T> {
  if (IN_DENO) {
    await pollReady(socket, 'readable', timeoutMs, what);
    return socket.receive();
  }
  return withDeadline(socket, socket.receive(), timeoutMs, what);
}

/** `socket.send(message)` bounded by `timeoutMs`. */
export async function sendWithin<M>(
  socket: PolledSocket & { send(message: M): Promise<void> },
  message: M,
  timeoutMs: number,
  what: string
): Promise<void> {
  if (IN_DENO) {
    await pollReady(socket, 'writable', timeoutMs, what);
    return socket.send(message);
  }
  return withDeadline(socket, socket.send(message), timeoutMs, what);
}
