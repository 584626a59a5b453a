/**
 * The safe-subset pickle codec. The byte strings are what CPython 3.11's pickle.dumps wrote
 * (tests/openhcs/pickle-python.test.ts checks against the real Python too).
 */
import { randomBytes } from 'node:crypto';
import {
  decodeSafePickle,
  encodePickle,
  isPickle,
  MAX_PICKLE_NODES,
  PickleRefusedError,
  type PickleValue
} from './pickle.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

const EXPECTED = {
  a: [1, -2, 300, 70000, -(2 ** 40), 2n ** 70n, 1.5, null, true, false],
  b: [1, 'x'],
  c: Uint8Array.of(0, 1),
  d: {},
  e: [],
  é: 'ünï'
};

describe('decodeSafePickle', () => {
  it("reads zmqruntime's ping in protocols 4 and 2", () => {
    expect(
      decodeSafePickle(hex('80049512000000000000007d948c0474797065948c0470696e6794732e'))
    ).toEqual({ type: 'ping' });
    expect(
      decodeSafePickle(hex('80027d71005804000000747970657101580400000070696e677102732e'))
    ).toEqual({ type: 'ping' });
  });

  it.each([
    [
      '3',
      '80037d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e88896558010000006271034b015801000000787104867105580100000063710643020001710758010000006471087d7109580100000065710a295802000000c3a9710b5805000000c3bc6ec3af710c752e'
    ],
    [
      '4',
      '80049568000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e8889658c0162944b018c01789486948c01639443020001948c0164947d948c016594298c02c3a9948c05c3bc6ec3af94752e'
    ],
    [
      '5',
      '80059568000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e8889658c0162944b018c01789486948c01639443020001948c0164947d948c016594298c02c3a9948c05c3bc6ec3af94752e'
    ]
  ])('reads every type of the subset in protocol %s', (_p, bytes) => {
    expect(decodeSafePickle(hex(bytes))).toEqual(EXPECTED);
  });

  it('keeps a value shared by memo (no copy, no cycle)', () => {
    const v = decodeSafePickle(
      hex('8004950c000000000000005d94285d944b01616801652e')
    ) as PickleValue[][];
    expect(v).toEqual([[1], [1]]);
    expect(v[0]).toBe(v[1]);
  });

  it('refuses os.system by STACK_GLOBAL/REDUCE before doing anything', () => {
    const evil = hex(
      '8004952e000000000000008c05706f736978948c0673797374656d9493948c13746f756368202f746d702f68362f70776e656494859452942e'
    );
    expect(() => decodeSafePickle(evil)).toThrow(PickleRefusedError);
    try {
      decodeSafePickle(evil);
    } catch (err) {
      expect((err as PickleRefusedError).opcode).toBe('STACK_GLOBAL');
      expect((err as Error).message).toMatch(/imports or calls/);
    }
  });

  it('refuses GLOBAL (protocol 2 bytes go through _codecs.encode), REDUCE and text opcodes', () => {
    const cases: [string, string][] = [
      ['8002635f636f646563730a656e636f64650a2e', 'GLOBAL'],
      ['8002284e7452', 'REDUCE'], // MARK NONE TUPLE REDUCE
      ['80024931300a2e', '0x49'] // INT "10\n" (protocol 0 text)
    ];
    for (const [bytes, opcode] of cases) {
      expect(() => decodeSafePickle(hex(bytes))).toThrow(
        expect.objectContaining({ name: 'PickleRefusedError', opcode })
      );
    }
  });

  it('refuses a cycle, a non-string key, __proto__, truncation and a huge DAG', () => {
    const list = '8004' + '5d94' + '6800' + '61' + '2e'; // l = []; l.append(l)
    expect(() => decodeSafePickle(hex(list))).toThrow(/cycle/);
    expect(() => decodeSafePickle(hex('80047d944b014b02732e'))).toThrow(/key must be a string/);
    const proto = hex('80047d948c095f5f70726f746f5f5f944b01732e');
    expect(() => decodeSafePickle(proto)).toThrow(/__proto__/);
    expect(() => decodeSafePickle(hex('80047d948c0474797065'))).toThrow(/truncated/);
    expect(() => decodeSafePickle(hex(bigDag(40)))).toThrow(
      new RegExp(`${MAX_PICKLE_NODES}|deeper`)
    );
  });

  it('fuzz: random bytes and mutated pickles only ever throw PickleRefusedError', () => {
    const seed = hex(
      '80049568000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e8889658c0162944b018c01789486948c01639443020001948c0164947d948c016594298c02c3a9948c05c3bc6ec3af94752e'
    );
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = i % 2 ? Uint8Array.from(randomBytes(1 + (i % 64))) : Uint8Array.from(seed);
      if (i % 2 === 0)
        for (let k = 0; k < 3; k++) bytes[(i * 7 + k * 13) % bytes.length] = randomBytes(1)[0];
      bytes[0] = 0x80;
      try {
        decodeSafePickle(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(PickleRefusedError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(2500);
  });
});

/** x = None; then 40 times x = [x, x] through the memo: a tiny pickle, a huge tree. */
function bigDag(levels: number): string {
  let out = '80044e72' + le32(0); // NONE, LONG_BINPUT 0
  for (let i = 0; i < levels; i++) {
    // POP, EMPTY_LIST, MARK, LONG_BINGET i twice, APPENDS, LONG_BINPUT i + 1
    out += '305d28' + '6a' + le32(i) + '6a' + le32(i) + '65' + '72' + le32(i + 1);
  }
  return out + '2e';
}

function le32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b.toString('hex');
}

describe('encodePickle', () => {
  it('round-trips through the decoder, pong-shaped values included', () => {
    const pong = {
      type: 'pong',
      port: 5555,
      control_port: 6555,
      ready: true,
      server: 'pipeline-viewer',
      server_role: 'viewer',
      control_capabilities: ['ping'],
      application: { application_id: 'openhcs', application_version: '0.8.6' },
      uptime: 1.25,
      big: 2n ** 70n,
      neg: -(2 ** 40),
      raw: Uint8Array.of(1, 2, 3),
      none: null
    };
    expect(decodeSafePickle(encodePickle(pong))).toEqual(pong);
  });

  it('is a pickle by its first byte, JSON is not', () => {
    expect(isPickle(encodePickle({}))).toBe(true);
    expect(isPickle(new TextEncoder().encode('{"type":"ping"}'))).toBe(false);
  });
});
