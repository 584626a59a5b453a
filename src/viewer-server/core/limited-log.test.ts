import { LimitedLog } from './limited-log.js';

function setup(burst = 2) {
  const lines: string[] = [];
  let now = 0;
  const log = new LimitedLog(
    l => lines.push(l),
    'refusals',
    burst,
    1000,
    10,
    () => now
  );
  return { lines, log, advance: (ms: number) => (now += ms) };
}

it('writes the first lines of a window, counts the rest and sums them up when the next starts', () => {
  const { lines, log, advance } = setup();
  for (let i = 0; i < 5; i++) log.line(`bad ${i}`);
  expect(lines).toEqual(['bad 0', 'bad 1']);
  advance(1000);
  log.line('bad 5');
  expect(lines).toEqual([
    'bad 0',
    'bad 1',
    '3 more refusals in 1 s not logged (2 per 1 s are; status counts them all)',
    'bad 5'
  ]);
});

it('cuts long lines and writes no summary when nothing was left out', () => {
  const { lines, log, advance } = setup();
  log.line('x'.repeat(25));
  advance(5000);
  log.flush();
  expect(lines).toEqual(['xxxxxxxxxx… (15 more characters)']);
});
