/**
 * The plate source process a viewer server starts for each plate it opens from disk
 * (docs/viewer-server.md, "Opening a plate from disk"): `node lib/runtime/plate/plate-source-main.js
 * PATH`, forked with an IPC channel (serialization 'advanced', so planes cross as typed
 * arrays). It opens the plate (PlateSource), then answers requests one by one:
 *
 *   { id, type: 'describe' }                   → { id, description }
 *   { id, type: 'positions' }                  → { id, positions }   (every image's position)
 *   { id, type: 'plane', position, level }     → { id, dtype, shape, data }
 *   anything that fails                        → { id, error }   (the message names the plate)
 *
 * It sends `{ type: 'ready', description }` (or `{ type: 'failed', error }` and exits 1) once
 * the plate is open, and exits when its parent goes (the channel closes). This path is a
 * contract, like viewer-server/main.js: the server spawns it by path and imports nothing of
 * runtime.
 */
import { PlateSource, type PlatePosition } from './plate-source.js';

type Request =
  | { id: number; type: 'describe' }
  | { id: number; type: 'positions' }
  | { id: number; type: 'plane'; position: PlatePosition; level?: number };

const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!process.send) {
    console.error('plate-source-main: start me with an IPC channel (child_process.fork)');
    process.exit(2);
  }
  if (!dir) {
    send({ type: 'failed', error: 'plate-source-main: no plate folder given (argument 1)' });
    process.exit(1);
  }
  let source: PlateSource;
  try {
    source = await PlateSource.open(dir);
  } catch (err) {
    send({ type: 'failed', error: (err as Error).message });
    process.exit(1);
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: Request) => {
    void answer(source, request).then(send);
  });
  send({ type: 'ready', description: source.description });
}

async function answer(source: PlateSource, request: Request): Promise<unknown> {
  const id = request?.id;
  try {
    if (request?.type === 'describe') return { id, description: source.description };
    if (request?.type === 'positions') return { id, positions: source.positions() };
    if (request?.type === 'plane') {
      const plane = await source.plane(request.position, request.level ?? 0);
      return { id, dtype: plane.dtype, shape: plane.shape, data: plane.data };
    }
    const type = (request as { type?: unknown } | undefined)?.type;
    return {
      id,
      error: `unknown request ${JSON.stringify(type)}; use describe, positions or plane`
    };
  } catch (err) {
    return { id, error: (err as Error).message };
  }
}

void main();
