/**
 * Python pickles for exactly the safe subset: dicts with string keys, lists, tuples,
 * strings, bytes, integers, floats, booleans and None. OpenHCS (zmqruntime) pickles its
 * control requests and expects pickled replies; a full unpickler runs whatever GLOBAL and
 * REDUCE name (`os.system`), so this one knows no opcode that imports or calls anything:
 * any opcode outside the subset refuses the whole pickle (PickleRefusedError) before it
 * has any effect. Memo references may share a value but never make a cycle, and the
 * decoded value is bounded in size and depth. npm's pickle packages either implement
 * GLOBAL/REDUCE or are unmaintained, hence these ~250 lines.
 */

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | { [key: string]: PickleValue };

/** A pickle outside the safe subset, or malformed; `opcode` names the opcode refused. */
export class PickleRefusedError extends Error {
  override name = 'PickleRefusedError';
  constructor(
    message: string,
    readonly opcode?: string
  ) {
    super(message);
  }
}

/** Containers plus scalars a pickle may decode to (a control request has a dozen). */
export const MAX_PICKLE_NODES = 10_000;
export const MAX_PICKLE_DEPTH = 32;

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

/** Names of the opcodes that would import or call: named in the refusal. */
const UNSAFE: Record<number, string> = {
  0x63: 'GLOBAL',
  0x93: 'STACK_GLOBAL',
  0x52: 'REDUCE',
  0x62: 'BUILD',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER'
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.byteLength)
      throw new PickleRefusedError(`pickle truncated at byte ${this.pos} (wanted ${n} more)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  view(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8(): number {
    return this.take(1)[0];
  }
  u32(): number {
    return this.view(4).getUint32(0, true);
  }
  u64(): number {
    const v = this.view(8).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new PickleRefusedError('pickle length too large');
    return Number(v);
  }
}

function signedLittleEndian(bytes: Uint8Array): number | bigint {
  if (bytes.byteLength > 64) throw new PickleRefusedError('pickle integer longer than 64 bytes');
  let v = 0n;
  for (let i = bytes.byteLength - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes.byteLength > 0 && bytes[bytes.byteLength - 1] & 0x80)
    v -= 1n << BigInt(8 * bytes.byteLength);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

function isDict(v: PickleValue): v is { [key: string]: PickleValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Decodes a pickle of the safe subset; anything else throws PickleRefusedError. */
export function decodeSafePickle(bytes: Uint8Array): PickleValue {
  const r = new Reader(bytes);
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleRefusedError('pickle stack underflow');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleRefusedError('pickle stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new PickleRefusedError('pickle MARK missing');
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    if (!isDict(dict) || items.length % 2 !== 0)
      throw new PickleRefusedError('pickle SETITEM(S) needs a dict and key/value pairs');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (typeof key !== 'string')
        throw new PickleRefusedError(`pickle dict key must be a string, got ${typeof key}`);
      if (key === '__proto__') throw new PickleRefusedError('pickle dict key __proto__ refused');
      dict[key] = items[i + 1];
    }
  };
  const append = (list: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(list)) throw new PickleRefusedError('pickle APPEND(S) needs a list');
    list.push(...items);
  };
  for (;;) {
    const op = r.u8();
    const unsafe = UNSAFE[op];
    if (unsafe !== undefined)
      throw new PickleRefusedError(
        `pickle opcode ${unsafe} refused: it imports or calls Python objects; only dicts, lists, tuples, strings, bytes, numbers, booleans and None are accepted`,
        unsafe
      );
    switch (op) {
      case 0x80: // PROTO
        if (r.u8() > 5) throw new PickleRefusedError('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a length hint only
        r.u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleRefusedError('pickle STOP with a stack not of one');
        return checked(pop());
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(r.u8());
        break;
      case 0x4d: // BININT2
        stack.push(r.view(2).getUint16(0, true));
        break;
      case 0x4a: // BININT
        stack.push(r.view(4).getInt32(0, true));
        break;
      case 0x8a: // LONG1
        stack.push(signedLittleEndian(r.take(r.u8())));
        break;
      case 0x8b: // LONG4
        stack.push(signedLittleEndian(r.take(r.u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(r.view(8).getFloat64(0, false));
        break;
      case 0x8c: // SHORT_BINUNICODE
      case 0x58: // BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        const n = op === 0x8c ? r.u8() : op === 0x58 ? r.u32() : r.u64();
        try {
          stack.push(utf8.decode(r.take(n)));
        } catch (err) {
          if (err instanceof PickleRefusedError) throw err;
          throw new PickleRefusedError('pickle string is not valid UTF-8');
        }
        break;
      }
      case 0x43: // SHORT_BINBYTES
      case 0x42: // BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: {
        // BYTEARRAY8
        const n = op === 0x43 ? r.u8() : op === 0x42 ? r.u32() : r.u64();
        stack.push(Uint8Array.from(r.take(n)));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push({});
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x64: {
        // DICT
        const dict = {};
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        if (stack.length < n) throw new PickleRefusedError('pickle stack underflow');
        const items = stack.splice(stack.length - n);
        if (items.includes(MARK)) throw new PickleRefusedError('pickle TUPLE over a MARK');
        stack.push(items as PickleValue[]);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: // APPEND
        append(stack[stack.length - 2] as PickleValue, [pop()]);
        break;
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? r.u8() : r.u32();
        const v = memo.get(index);
        if (v === undefined) throw new PickleRefusedError(`pickle memo ${index} missing`);
        stack.push(v);
        break;
      }
      default:
        throw new PickleRefusedError(
          `pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${r.pos - 1} is not in the safe subset (binary protocols 2 to 5 of dicts, lists, tuples, strings, bytes, numbers, booleans, None)`,
          `0x${op.toString(16).padStart(2, '0')}`
        );
    }
    if (stack.length > MAX_PICKLE_NODES) throw new PickleRefusedError('pickle stack too deep');
  }
}

/** No cycles (a memo reference appended into itself), bounded nodes and depth. */
function checked(root: PickleValue): PickleValue {
  let nodes = 0;
  const open = new Set<object>();
  const walk = (v: PickleValue, depth: number): void => {
    if (++nodes > MAX_PICKLE_NODES)
      throw new PickleRefusedError(`pickle holds more than ${MAX_PICKLE_NODES} values`);
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return;
    if (depth > MAX_PICKLE_DEPTH)
      throw new PickleRefusedError(`pickle nested deeper than ${MAX_PICKLE_DEPTH}`);
    if (open.has(v)) throw new PickleRefusedError('pickle holds a cycle');
    open.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) walk(child, depth + 1);
    open.delete(v);
  };
  walk(root, 0);
  return root;
}

const isInt = (v: number): boolean => Number.isSafeInteger(v) && !Object.is(v, -0);

/** Pickle protocol 3 of the same subset (arrays become lists), as Python's pickle reads it. */
export function encodePickle(value: PickleValue): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x80, 3)];
  const u32 = (n: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  const put = (v: PickleValue, depth: number): void => {
    if (depth > MAX_PICKLE_DEPTH) throw new Error('value nested too deep to pickle');
    if (v === null) parts.push(Uint8Array.of(0x4e));
    else if (v === true) parts.push(Uint8Array.of(0x88));
    else if (v === false) parts.push(Uint8Array.of(0x89));
    // A safe integer is a Python int (-0 and larger whole numbers stay floats).
    else if (typeof v === 'number' && isInt(v) && v >= -(2 ** 31) && v < 2 ** 31) {
      const b = new Uint8Array(5);
      b[0] = 0x4a;
      new DataView(b.buffer).setInt32(1, v, true);
      parts.push(b);
    } else if (typeof v === 'number' && !isInt(v)) {
      const b = new Uint8Array(9);
      b[0] = 0x47;
      new DataView(b.buffer).setFloat64(1, v, false);
      parts.push(b);
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      let n = BigInt(v);
      const bytes: number[] = [];
      for (;;) {
        bytes.push(Number(n & 0xffn));
        n >>= 8n;
        const sign = bytes[bytes.length - 1] & 0x80;
        if ((n === 0n && !sign) || (n === -1n && sign)) break;
      }
      parts.push(Uint8Array.of(0x8a, bytes.length, ...bytes));
    } else if (typeof v === 'string') {
      const b = new TextEncoder().encode(v);
      parts.push(Uint8Array.of(0x58), u32(b.byteLength), b);
    } else if (v instanceof Uint8Array) {
      parts.push(Uint8Array.of(0x42), u32(v.byteLength), v);
    } else if (Array.isArray(v)) {
      parts.push(Uint8Array.of(0x5d, 0x28));
      for (const item of v) put(item, depth + 1);
      parts.push(Uint8Array.of(0x65));
    } else {
      parts.push(Uint8Array.of(0x7d, 0x28));
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined) continue;
        put(key, depth + 1);
        put(item, depth + 1);
      }
      parts.push(Uint8Array.of(0x75));
    }
  };
  put(value, 0);
  parts.push(Uint8Array.of(0x2e));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Pickles start with PROTO (0x80) from protocol 2 on; JSON with `{`, `[` or whitespace. */
export function isPickle(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[0] === 0x80;
}
