// `npm run docs:api`: the API reference in docs/api/ (Markdown, TypeDoc + typedoc-plugin-markdown)
// from the TSDoc of the public exports, i.e. package.json "exports" mapped back to src/.
// `--check` generates into a temporary folder and fails, naming the files, when docs/api/ is
// stale (a stage of `npm test`), so the committed reference always matches the code.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = path.join(root, 'docs', 'api');
const check = process.argv.includes('--check');

/** "./lib/runtime/index.js" → "src/runtime/index.ts", for every export that is compiled code. */
function entryPoints() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const targets = Object.values(pkg.exports).filter(t => /^\.\/lib\/.*\.js$/.test(t));
  const sources = [...new Set(targets)].map(t =>
    t.replace(/^\.\/lib\//, 'src/').replace(/\.js$/, '.ts')
  );
  const missing = sources.filter(s => !fs.existsSync(path.join(root, s)));
  if (missing.length)
    throw new Error(`package.json exports without a source file: ${missing.join(', ')}`);
  return sources;
}

function generate(out) {
  const args = [
    ...entryPoints().flatMap(e => ['--entryPoints', e]),
    ...['--out', out, '--plugin', 'typedoc-plugin-markdown', '--tsconfig', 'tsconfig.json'],
    ...['--readme', 'none', '--disableSources', '--excludePrivate', '--excludeInternal'],
    ...['--name', 'jupyterlab-pipeline-viewer API', '--logLevel', 'Warn']
  ];
  const run = spawnSync(path.join(root, 'node_modules', '.bin', 'typedoc'), args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`typedoc exited ${run.status ?? run.signal}`);
  }
}

/** Relative paths of all files under `dir` with their contents. */
function files(dir) {
  const found = new Map();
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    found.set(path.relative(dir, full), fs.readFileSync(full, 'utf8'));
  }
  return found;
}

if (check) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-api-docs-'));
  try {
    generate(tmp);
    const fresh = files(tmp);
    const old = files(committed);
    const stale = [...new Set([...fresh.keys(), ...old.keys()])].filter(
      f => fresh.get(f) !== old.get(f)
    );
    if (stale.length) {
      console.error(
        `docs/api/ is stale (${stale.length} file(s), e.g. ${stale.slice(0, 5).join(', ')}); run npm run docs:api and commit docs/api/`
      );
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
} else {
  // Generated beside docs/api/ and swapped in only when typedoc succeeded: a failing run
  // (e.g. an export whose source is missing) leaves the committed reference as it was.
  const fresh = fs.mkdtempSync(path.join(root, 'docs', '.api-'));
  try {
    generate(fresh);
    fs.rmSync(committed, { recursive: true, force: true });
    fs.renameSync(fresh, committed);
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
  console.log(`docs/api/: ${files(committed).size} files`);
}
