// npm run bench stops a suite with everything it started (scripts/bench-procs.mjs): real
// processes, one of them in a session of its own as a detached server would be.
import { spawn } from 'node:child_process';
import { stopAll, watchSuite } from '../../scripts/bench-procs.mjs';

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('stops a suite, its children and a child that left its process group', async () => {
  // the suite: a shell with a child in its group, and one in a new session (setsid)
  const suite = spawn(
    'sh',
    ['-c', 'sleep 300 & setsid sleep 301 & trap "" TERM; echo started; wait'],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }
  );
  await new Promise(r => suite.stdout.once('data', r));
  const watch = watchSuite(suite.pid!, 100);
  // the children may not have exec'd sleep yet: look again until they have (bounded)
  const names = () =>
    watch
      .alive()
      .map(p => p.name)
      .sort();
  for (const end = Date.now() + 5000; Date.now() < end && names().join() !== 'sh,sleep,sleep';)
    await new Promise(r => setTimeout(r, 50));
  const seen = watch.alive();
  expect(seen.map(p => p.name).sort()).toEqual(['sh', 'sleep', 'sleep']);
  const exited = new Promise(r => suite.once('exit', r));
  // the shell ignores SIGTERM: it is killed after the grace time
  const left = await stopAll(watch, { graceMs: 1000 });
  await exited;
  expect(left).toHaveLength(3);
  expect(seen.filter(p => running(p.pid))).toEqual([]);
  expect(watch.alive()).toEqual([]);
});

it('finds nothing left when a suite ended cleanly', async () => {
  const suite = spawn('sh', ['-c', 'sleep 0.3'], { detached: true, stdio: 'ignore' });
  const watch = watchSuite(suite.pid!, 50);
  await new Promise(r => suite.once('exit', r));
  expect(await stopAll(watch, { graceMs: 1000 })).toEqual([]);
});

it('lets a process that is ending by itself end, within the settle time', async () => {
  // the child is first seen as a shell (between fork and exec, as a suite's child can be)
  // and then becomes sleep: it is named as it is now
  const suite = spawn('sh', ['-c', '(sleep 0.3; exec sleep 1.5) & echo started'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore']
  });
  await new Promise(r => suite.stdout.once('data', r));
  const watch = watchSuite(suite.pid!, 50);
  watch.look();
  await new Promise(r => suite.once('exit', r));
  await new Promise(r => setTimeout(r, 700)); // the subshell has exec'd sleep by now
  expect(watch.alive().map(p => p.name)).toEqual(['sleep']); // still running: the shell is gone
  expect(await stopAll(watch, { settleMs: 5000 })).toEqual([]);
});
