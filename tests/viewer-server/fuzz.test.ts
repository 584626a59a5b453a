/**
 * The fuzzer's short mode, through the same code path as `npm run fuzz` (the npm script,
 * scripts/fuzz-viewer.mjs, a real server from lib/): 3,000 malformed messages to the data and
 * control ports from concurrent clients, plus valid messages and browser-API requests, then
 * every check of the script must pass. Seed fixed for a reproducible suite (FUZZ_SEED
 * overrides it; a failure prints the seed to replay). Port 20095 (+1000, +3000).
 */
import { spawn } from 'node:child_process';
import { requireBuild, ROOT } from './server-process.js';

const SEED = process.env.FUZZ_SEED ?? '20095';
const CHECKS = [
  'alive',
  'status-within-1s',
  'status-during-flood',
  'replies',
  'counters',
  'memory',
  'open-files',
  'budget-exhaustion',
  'still-serving',
  'files',
  'log',
  'shutdown'
];

/** Runs `npm run fuzz -- args`; its exit code and output, or a kill after `timeoutMs`. */
function npmFuzz(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise(resolve => {
    // A process group of its own: on timeout the signal reaches npm, sh and the fuzzer (which
    // then stops its server and removes what it planted), not npm alone.
    const child = spawn('npm', ['run', '--silent', 'fuzz', '--', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    });
    let out = '';
    child.stdout.on('data', chunk => (out += chunk));
    child.stderr.on('data', chunk => (out += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), timeoutMs);
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

it('a server flooded with 3,000 malformed messages answers, counts, stays bounded and serves', async () => {
  requireBuild();
  const { code, out } = await npmFuzz(
    ['--messages', '3000', '--port', '20095', '--seed', SEED],
    240_000
  );
  const lines = out.split('\n');
  const failed = lines.filter(l => / FAIL/.test(l) || /^fuzz: {3}- /.test(l));
  expect({ failed, seed: SEED }).toEqual({ failed: [], seed: SEED });
  for (const check of CHECKS)
    expect(lines).toContainEqual(expect.stringMatching(`^fuzz: check ${check} PASS`));
  expect(out).toMatch(
    /fuzz: \d+ messages in [\d.]+ s \(3000 malformed to the data and control ports\)/
  );
  expect(lines).toContain(`fuzz: RESULT PASS (seed ${SEED})`);
  expect(code).toBe(0);
}, 300_000);
