// The processes a benchmark suite started, so that `npm run bench` can stop a suite at its
// bound, or clean up after one, without leaving servers, browsers or Python behind. Read from
// /proc (Linux): pid, parent, process group and start time of each process; a process is
// told apart from a later one with the same pid by its start time.
import * as fs from 'node:fs';

/** Every process now: pid → { ppid, pgid, start, name, state }. */
function processes() {
  const all = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')'); // the name may hold spaces and parentheses
      const f = stat.slice(close + 2).split(' ');
      all.set(Number(entry), {
        ppid: Number(f[1]),
        pgid: Number(f[2]),
        start: f[19],
        state: f[0],
        name: stat.slice(stat.indexOf('(') + 1, close)
      });
    } catch {
      // gone while listed
    }
  }
  return all;
}

/**
 * Watches the processes of one suite: its group (the suite runs detached, as a group leader)
 * and every descendant, also one that left the group (a server started with setsid), as
 * long as it was seen while its parent lived. `seen` is refreshed every `everyMs`.
 */
export function watchSuite(rootPid, everyMs = 2000) {
  const seen = new Map(); // pid → { start } (a pid reused later has another start time)
  const look = () => {
    const all = processes();
    const mine = new Set([rootPid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, p] of all)
        if (!mine.has(pid) && (mine.has(p.ppid) || p.pgid === rootPid)) {
          mine.add(pid);
          grew = true;
        }
    }
    for (const pid of mine) {
      const p = all.get(pid);
      if (p && !seen.has(pid)) seen.set(pid, { start: p.start });
    }
  };
  look();
  const timer = setInterval(look, everyMs);
  timer.unref();
  return {
    look,
    stop: () => clearInterval(timer),
    /** The processes seen that still run (same pid, same start time). */
    alive() {
      const all = processes();
      const running = (pid, s) => {
        const p = all.get(pid);
        return p?.start === s.start && p.state !== 'Z' && p.state !== 'X'; // not an exited one
      };
      // the name as it is now: one first seen between fork and exec still had its parent's
      return [...seen]
        .filter(([pid, s]) => running(pid, s))
        .map(([pid]) => ({ pid, name: all.get(pid).name }));
    }
  };
}

/**
 * Stops what a suite left running: what has not ended by itself within `settleMs` (a browser
 * or server still shutting down when the suite exits) gets SIGTERM, then SIGKILL after
 * `graceMs`. Resolves with the processes that were left ("name pid"), empty when none were.
 */
export async function stopAll(watch, { settleMs = 0, graceMs = 5000 } = {}) {
  watch.look();
  watch.stop();
  for (const deadline = Date.now() + settleMs; Date.now() < deadline && watch.alive().length;)
    await new Promise(r => setTimeout(r, 100));
  const left = watch.alive();
  for (const p of left) signal(p.pid, 'SIGTERM');
  for (const p of left) signal(p.pid, 'SIGCONT'); // a server the suite froze with SIGSTOP
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && watch.alive().length;)
    await new Promise(r => setTimeout(r, 100));
  for (const p of watch.alive()) signal(p.pid, 'SIGKILL');
  return left.map(p => `${p.name} ${p.pid}`);
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}
