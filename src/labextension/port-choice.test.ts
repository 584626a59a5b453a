import {
  choosePort,
  lastRunPort,
  noteRun,
  resetLastRun,
  serverLabel,
  serves
} from './port-choice.js';
import type { RunningServer } from './server-control.js';

function server(data: number, requested = data, pid = 100 + data): RunningServer {
  return {
    requested_port: requested,
    pid,
    started_at: 1_700_000_000,
    ports: { data, control: data + 1000, http: data + 3000 }
  };
}

describe('the port Open Pipeline Viewer opens without one (issue 10, defects 2, 16)', () => {
  it("opens the last run's server, also when it took another port than asked for", () => {
    const servers = [server(5556, 5555), server(6000)];
    expect(choosePort(servers, 5555, 5555)).toEqual({ port: 5556, why: 'last-run' });
    expect(choosePort(servers, 6000, 5555)).toEqual({ port: 6000, why: 'last-run' });
  });

  it("opens the only running server, not the settings' port", () => {
    expect(choosePort([server(20400)], null, 5555)).toEqual({ port: 20400, why: 'only-server' });
    // the last run's server is gone: the one running is what there is to see
    expect(choosePort([server(20400)], 7000, 5555)).toEqual({ port: 20400, why: 'only-server' });
  });

  it('lets the user choose among several', () => {
    const servers = [server(6000), server(7000)];
    expect(choosePort(servers, null, 5555)).toEqual({ choose: servers });
  });

  it("with none running: the last run's port, else the settings' port", () => {
    expect(choosePort([], 7000, 5555)).toEqual({ port: 7000, why: 'no-server' });
    expect(choosePort([], null, 5555)).toEqual({ port: 5555, why: 'no-server' });
  });

  it('remembers the newest run, not the last rendered one', () => {
    resetLastRun();
    expect(lastRunPort()).toBeNull();
    noteRun(6000, 2000);
    noteRun(7000, 1000); // an older output rendered later (a reopened notebook)
    expect(lastRunPort()).toBe(6000);
    noteRun(7000, 3000);
    expect(lastRunPort()).toBe(7000);
  });

  it('names a moved server by both ports', () => {
    expect(serves(server(5556, 5555), 5555)).toBe(true);
    expect(serverLabel(server(5556, 5555, 42))).toMatch(
      /^port 5556 \(asked for 5555\) · pid 42 · started /
    );
  });
});
