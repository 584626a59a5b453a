// Browser-API cases on P+3000: requests without or with a wrong token, under a foreign Host
// (DNS rebinding) or from a foreign Origin, WebSocket upgrades without the token (each must
// be refused and counted by reason), and requests with the token but bad parameters (a
// 4xx JSON error). Valid reads with the token check that nothing was ever cleared.
import { randomBytes } from 'node:crypto';
import { BROWSER_TOKEN_HEADER, BROWSER_TOKEN_PARAM } from '../../lib/protocol/index.js';
import { SOURCES } from './images.mjs';

const EVIL = ['evil.example', 'attacker.test', '192.168.1.7', 'localhost.evil.example'];

/** at= values a client could send: not JSON, wrong types, deep, unknown axes, huge. */
function badAt(rng) {
  return rng.pick([
    '',
    'x',
    '[]',
    '{"well":{}}',
    '{"nope":1}',
    '{"well":"Z99"}',
    '['.repeat(5000),
    JSON.stringify({ well: 'A01', z_index: 1e308 }),
    JSON.stringify({ __proto__: { x: 1 } })
  ]);
}

export const HTTP_CASES = {
  'http-no-token': {
    weight: 3,
    build: rng => ({
      path: rng.pick(['/api/state', '/api/plane?layer=x&at={}', '/']),
      expect: { status: 401, reason: 'token' }
    })
  },
  'http-wrong-token': {
    weight: 2,
    build: rng => ({
      path: '/api/state',
      headers: {
        [BROWSER_TOKEN_HEADER]: rng.pick(['', 'x', randomBytes(32).toString('base64url')])
      },
      expect: { status: 401, reason: 'token' }
    })
  },
  'http-foreign-host': {
    weight: 2,
    build: (rng, ctx) => ({
      path: '/api/state',
      headers: { Host: `${rng.pick(EVIL)}:${ctx.httpPort}`, [BROWSER_TOKEN_HEADER]: ctx.token },
      expect: { status: 403, reason: 'host' }
    })
  },
  'http-foreign-origin': {
    weight: 2,
    build: (rng, ctx) => ({
      path: '/api/state',
      headers: {
        Origin: rng.pick(['null', `http://${rng.pick(EVIL)}`, 'https://127.0.0.1:1']),
        [BROWSER_TOKEN_HEADER]: ctx.token
      },
      expect: { status: 403, reason: 'origin' }
    })
  },
  'ws-no-token': {
    weight: 2,
    build: rng => {
      const foreign = rng.chance(0.5);
      return {
        path: rng.chance(0.5) ? '/api/events' : `/api/events?${BROWSER_TOKEN_PARAM}=${rng.hex(8)}`,
        upgrade: true,
        headers: foreign ? { Origin: `http://${rng.pick(EVIL)}` } : {},
        expect: foreign ? { status: 403, reason: 'origin' } : { status: 401, reason: 'token' }
      };
    }
  },
  'http-bad-request': {
    // With the token: bad parameters or paths get a 4xx JSON error, nothing is counted.
    weight: 3,
    build: (rng, ctx) => {
      const layer = rng.pick([
        'nope',
        `source_${rng.pick(SOURCES)}`,
        '',
        '\u0000',
        'x'.repeat(5000)
      ]);
      const path = rng.pick([
        `/api/plane?layer=${encodeURIComponent(layer)}&at=${encodeURIComponent(badAt(rng))}`,
        `/api/plane?layer=${encodeURIComponent(layer)}`,
        `/api/plane?at={}&max=${rng.pick(['-1', 'NaN', '0', 'x'])}`,
        '/api/nothing',
        '/../../etc/passwd'
      ]);
      const method = rng.pick(['GET', 'GET', 'POST', 'DELETE']);
      return {
        path,
        method,
        headers: { [BROWSER_TOKEN_HEADER]: ctx.token },
        expect: { status: '4xx' }
      };
    }
  },
  'ws-oversize-frame': {
    // With the token: a client frame over 1 KiB closes that WebSocket (1009), nothing else.
    weight: 1,
    build: (rng, ctx) => ({
      ws: true,
      path: `/api/events?${BROWSER_TOKEN_PARAM}=${encodeURIComponent(ctx.token)}`,
      payload: rng.bytes(rng.int(1100, 64 * 1024)),
      expect: { close: 1009, reason: 'frame' }
    })
  },
  'http-valid': {
    weight: 2,
    valid: true,
    build: (rng, ctx) => ({
      path: '/api/state',
      headers: { [BROWSER_TOKEN_HEADER]: ctx.token },
      expect: { status: 200, generation: 0 }
    })
  }
};
