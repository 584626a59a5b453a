/** Two servers started at the same moment on one port: exactly one survives, the other exits 0. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ping } from '../../src/protocol/node/index.js';
import { spawnMain, tempHome, waitReady, within } from './server-process.js';

const PORT = 20020;

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
    expect((await ping(PORT, { timeoutMs: 5000 }))?.pid).toBe(winner.child.pid);
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

it('exits 3 with a clear message when the data port is held by a program that is not a viewer server', async () => {
  const home = tempHome();
  const squatter = net.createServer();
  await new Promise<void>(resolve => squatter.listen(20025, '127.0.0.1', resolve));
  const lines: string[] = [];
  const { child, exit } = spawnMain(20025, home);
  child.stderr!.on('data', (text: string) => lines.push(text));
  try {
    expect(await within(exit, 20_000)).toBe(3);
    expect(lines.join('')).toMatch(
      /data port 20025 is bound by a program that does not answer as a viewer server/
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await new Promise(resolve => squatter.close(resolve));
    fs.rmSync(home, { recursive: true, force: true });
  }
});

it('exits 2 on bad arguments, naming the option', async () => {
  const home = tempHome();
  const lines: string[] = [];
  const { child, exit } = spawnMain(20026, home, ['--memory-budget', 'lots']);
  child.stderr!.on('data', (text: string) => lines.push(text));
  expect(await within(exit, 10_000)).toBe(2);
  expect(lines.join('')).toMatch(/cannot read "lots" as a byte size/);
  fs.rmSync(home, { recursive: true, force: true });
});
