/** Two servers started at the same moment on one port: exactly one survives, the other exits 0. */
import * as fs from 'node:fs';
import { ping } from '../../src/protocol/node/index.js';
import { spawnMain, tempHome, waitReady, within } from './server-process.js';

const PORT = 30020;

it('two servers racing for one port leave exactly one running', async () => {
  const home = tempHome();
  const a = spawnMain(PORT, home);
  const b = spawnMain(PORT, home);
  try {
    const pid = await waitReady(PORT);
    const loser = pid === a.child.pid ? b : a;
    const winner = pid === a.child.pid ? a : b;
    const code = await within(loser.exit, 15_000);
    expect(code).toBe(0);
    expect(winner.child.exitCode).toBeNull();
    expect((await ping(PORT, { timeoutMs: 1000 }))?.pid).toBe(winner.child.pid);
    const log = fs.readFileSync(`${home}/viewer-server-${PORT}.log`, 'utf8');
    expect(log).toMatch(
      new RegExp(`another viewer server \\(pid ${winner.child.pid}\\) holds port ${PORT}`)
    );
  } finally {
    for (const p of [a, b]) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await within(Promise.all([a.exit, b.exit]), 5000);
    fs.rmSync(home, { recursive: true, force: true });
  }
});
