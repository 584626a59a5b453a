import { decodeSafePickle, encodePickle } from '../../protocol/index.js';
import { OPENHCS_APPLICATION, OpenHcsControl } from './openhcs-control.js';

function control() {
  const calls = { clear: 0, lines: [] as string[] };
  const answer = new OpenHcsControl({
    ports: { data: 5555, control: 6555 },
    ready: () => true,
    clear: () => calls.clear++,
    stored: () => 7,
    log: line => calls.lines.push(line)
  });
  const ask = (request: Parameters<typeof encodePickle>[0] | Uint8Array) =>
    decodeSafePickle(
      answer.answer(request instanceof Uint8Array ? request : encodePickle(request))
    );
  return { answer, ask, calls };
}

it('answers ping with the fields PongResponse.from_dict needs and OpenHCS identity', () => {
  const { ask } = control();
  expect(ask({ type: 'ping' })).toEqual({
    type: 'pong',
    port: 5555,
    control_port: 6555,
    ready: true,
    server: 'pipeline-viewer',
    server_type: 'napari',
    server_role: 'viewer',
    control_capabilities: ['ping'],
    application: OPENHCS_APPLICATION
  });
});

it('settles as complete and clears on clear_state', () => {
  const { ask, calls } = control();
  expect(ask({ type: 'settle' })).toMatchObject({
    status: 'success',
    settle_phase: 'complete',
    completed_update_count: 7,
    total_update_count: 7,
    active_route: null
  });
  expect(ask({ type: 'clear_state' })).toEqual({ status: 'success', type: 'clear_state_ack' });
  expect(calls.clear).toBe(1);
});

it('refuses other requests and unsafe pickles, counted, doing nothing', () => {
  const { answer, ask, calls } = control();
  expect(ask({ type: 'force_shutdown' })).toEqual({
    status: 'error',
    message: expect.stringMatching(/^not authorized: force_shutdown/)
  });
  // pickle.dumps of os.system("true") by REDUCE, protocol 4
  const evil = Uint8Array.from(
    Buffer.from(
      '80049522000000000000008c05706f736978948c0673797374656d9493948c04747275659485945294',
      'hex'
    )
  );
  expect(ask(evil)).toEqual({ status: 'error', message: expect.stringMatching(/STACK_GLOBAL/) });
  expect([answer.unauthorized, answer.refused, calls.clear]).toEqual([1, 1, 0]);
  expect(calls.lines).toHaveLength(2);
});
