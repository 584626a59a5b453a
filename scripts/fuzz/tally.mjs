import { decodeSafePickle } from '../../lib/protocol/index.js';

// What the server must have done, summed from every message's prediction, and what it did:
// per-class counts, replies that differ from the prediction, and the counters status must
// show at the end.

const MAX_LISTED = 20;

export class Tally {
  constructor() {
    this.classes = new Map();
    this.mismatches = [];
    this.mismatchCount = 0;
    this.expected = { messages: 0, images: 0, errors: 0, dropped: 0, reasons: {} };
    this.unauthorized = 0;
    this.browser = {};
    this.raw = { sent: 0, closedByServer: 0 };
    this.validImages = 0;
  }

  stats(name) {
    let s = this.classes.get(name);
    if (!s) this.classes.set(name, (s = { sent: 0, ok: 0, skipped: 0 }));
    return s;
  }

  fail(index, name, detail) {
    this.mismatchCount++;
    if (this.mismatches.length < MAX_LISTED) this.mismatches.push(`#${index} ${name}: ${detail}`);
  }

  /** A data message's prediction, counted whether or not its reply matched. */
  expectData(expect) {
    const e = this.expected;
    e.messages++;
    if (expect.whole) {
      e.errors++;
      return;
    }
    e.images += expect.accepted;
    e.errors += expect.rejected;
    e.dropped += expect.rejected;
    for (const [reason, n] of Object.entries(expect.reasons ?? {}))
      e.reasons[reason] = (e.reasons[reason] ?? 0) + n;
  }

  /** Why a data reply differs from `expect`, or null. */
  static dataProblem(expect, replyBytes) {
    let reply;
    try {
      reply = JSON.parse(Buffer.from(replyBytes).toString('utf8'));
    } catch {
      return `reply is not JSON: ${Buffer.from(replyBytes).toString('utf8').slice(0, 200)}`;
    }
    const text = JSON.stringify(reply).slice(0, 300);
    if (reply.type !== 'batch') return `reply is not a batch reply: ${text}`;
    const errorExpected = expect.whole || (expect.accepted === 0 && expect.rejected > 0);
    if (errorExpected) {
      if (reply.status !== 'error') return `expected an error reply, got ${text}`;
      if (expect.match && !expect.match.test(reply.error))
        return `error does not match ${expect.match}: ${text}`;
      if (!expect.whole && !/no image stored/.test(reply.error))
        return `expected "no image stored", got ${text}`;
      return null;
    }
    if (
      reply.status !== 'success' ||
      reply.accepted !== expect.accepted ||
      reply.rejected !== expect.rejected
    )
      return `expected accepted ${expect.accepted} rejected ${expect.rejected}, got ${text}`;
    return null;
  }

  /** Why a control reply differs from `expect`, or null. */
  static controlProblem(expect, outcome) {
    if (expect.disconnect) {
      if (outcome.disconnected) return null;
      return outcome.reply
        ? 'an oversized control message was answered'
        : 'neither reply nor disconnect';
    }
    if (!outcome.reply) return 'no reply';
    let reply;
    if (outcome.reply[0] === 0x80) {
      // A pickled request (OpenHCS, or random bytes starting with PROTO) gets a pickle.
      try {
        const pickle = decodeSafePickle(outcome.reply);
        if (expect.pong) return pickle.type === 'pong' ? null : 'pickled ping not answered by a pong';
        reply = { type: pickle.status === 'error' ? 'error' : pickle.type, error: pickle.message };
      } catch (err) {
        return `control reply is not a safe pickle: ${err.message}`;
      }
    } else {
      try {
        reply = JSON.parse(Buffer.from(outcome.reply).toString('utf8'));
      } catch {
        return 'control reply is not JSON';
      }
    }
    if (reply.type !== 'error')
      return `expected an error reply, got ${JSON.stringify(reply).slice(0, 200)}`;
    const match = expect.unauthorized ? /not authorized/ : expect.error;
    if (match && !match.test(reply.error))
      return `error does not match ${match}: ${reply.error.slice(0, 200)}`;
    return null;
  }

  /** Why an HTTP answer differs from `expect`, or null. */
  static httpProblem(expect, answer) {
    if (answer.error) return `no HTTP answer: ${answer.error}`;
    // Node's HTTP parser refuses a request line + headers over 16 KiB before the server sees it.
    if (expect.status === '4xx' && answer.status === 431) return null;
    if (expect.status === '4xx') {
      if (answer.status < 400 || answer.status > 499) return `expected 4xx, got ${answer.status}`;
    } else if (answer.status !== expect.status)
      return `expected ${expect.status}, got ${answer.status}`;
    if (answer.status >= 400) {
      try {
        if (typeof JSON.parse(answer.body.toString()).error !== 'string')
          return 'error without text';
      } catch {
        return `error body is not JSON: ${answer.body.toString().slice(0, 100)}`;
      }
    }
    if (expect.generation !== undefined) {
      const state = JSON.parse(answer.body.toString());
      if (state.generation !== expect.generation)
        return `generation ${state.generation}: the viewer was cleared`;
    }
    return null;
  }
}
