/**
 * OpenHCS 0.8.6's control requests on P+1000: pickled dicts (zmqruntime), answered with
 * pickles. Only the safe pickle subset is decoded (protocol/pickle.ts); a pickle with
 * GLOBAL, REDUCE or any other opcode is refused, counted and does nothing.
 *
 * OpenHCS cannot know the server's secret, so three requests are open: `ping` (its pong
 * must pass zmqruntime's PongResponse.from_dict and match OpenHCS's application identity,
 * else its launch path kills whatever holds the port), `settle` (reports, changes nothing)
 * and `clear_state` (empties the panel; any local peer that may connect could do it, see
 * docs/security.md). Everything else (shutdown, force_shutdown, screenshots, state) gets an
 * error reply and counts as unauthorized: OpenHCS then raises instead of replacing us.
 */
import { decodeSafePickle, encodePickle, PickleRefusedError } from '../../protocol/index.js';
import type { PickleValue } from '../../protocol/index.js';
import { LimitedLog } from '../core/limited-log.js';

/** OpenHCS compares this with its own identity exactly before it reuses a viewer. */
export const OPENHCS_APPLICATION = { application_id: 'openhcs', application_version: '0.8.6' };

export interface OpenHcsControlTarget {
  ports: { data: number; control: number };
  ready(): boolean;
  clear(): void;
  /** Images stored so far: settle reports them as done (ingest finished before each reply). */
  stored(): number;
  log(line: string): void;
}

export class OpenHcsControl {
  private refusedPickles = 0;
  private unauthorizedCount = 0;
  /** Refusals are any peer's to cause: rate-limited lines (every one is counted). */
  private readonly refusals: LimitedLog;

  constructor(private readonly target: OpenHcsControlTarget) {
    this.refusals = new LimitedLog(target.log, 'refused OpenHCS control requests');
  }

  /** Pickles refused as outside the safe subset or malformed. */
  get refused(): number {
    return this.refusedPickles;
  }

  /** Pickled requests OpenHCS may not send without the secret (shutdown, …). */
  get unauthorized(): number {
    return this.unauthorizedCount;
  }

  answer(bytes: Uint8Array): Uint8Array {
    let request: PickleValue;
    try {
      request = decodeSafePickle(bytes);
    } catch (err) {
      this.refusedPickles++;
      const why =
        err instanceof PickleRefusedError ? err.message : `pickle: ${(err as Error).message}`;
      this.refusals.line(`control: refused a pickle: ${why} [#${this.refusedPickles}]`);
      return error(`refused: ${why}`);
    }
    const type =
      typeof request === 'object' && request !== null && !Array.isArray(request)
        ? (request as Record<string, PickleValue>).type
        : undefined;
    switch (type) {
      case 'ping':
        return encodePickle(this.pong());
      case 'settle': {
        const done = this.target.stored();
        return encodePickle({
          status: 'success',
          type: 'settle_ack',
          settle_phase: 'complete',
          completed_update_count: done,
          total_update_count: done,
          active_route: null,
          active_route_work_unit_count: 0,
          active_route_work_unit_active: false
        });
      }
      case 'clear_state':
        this.target.clear();
        return encodePickle({ status: 'success', type: 'clear_state_ack' });
      default:
        if (typeof type !== 'string') return error('a control request is a dict with a "type"');
        this.unauthorizedCount++;
        this.refusals.line(
          `control: refused pickled ${type.slice(0, 64)}: only ping, settle and clear_state are open [#${this.unauthorizedCount}]`
        );
        return error(
          `not authorized: ${type.slice(0, 64)}; this pipeline-viewer server answers OpenHCS's ping, settle and clear_state only; stop it with 'pipeline-viewer server stop' as its user`
        );
    }
  }

  /** Fields zmqruntime's PongResponse.from_dict requires, and OpenHCS's identity. */
  private pong(): Record<string, PickleValue> {
    const { data, control } = this.target.ports;
    return {
      type: 'pong',
      port: data,
      control_port: control,
      ready: this.target.ready(),
      server: 'pipeline-viewer',
      server_type: 'napari',
      server_role: 'viewer',
      control_capabilities: ['ping'],
      application: OPENHCS_APPLICATION
    };
  }
}

function error(message: string): Uint8Array {
  return encodePickle({ status: 'error', message });
}
