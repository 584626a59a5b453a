/**
 * The project's Python (.venv, made by scripts/setup.sh from scripts/requirements.txt) for
 * tests that check files against the reference tools: tifffile, zarr-python, ome-zarr,
 * ome-zarr-models. Code is passed with `-c`, arguments as argv; stdout comes back.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const PYTHON = path.resolve('.venv', 'bin', 'python');

export async function python(code: string, args: string[] = []): Promise<string> {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `${PYTHON} is missing: run 'bash scripts/setup.sh' (it installs tifffile, zarr…)`
    );
  }
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', code, ...args], {
      maxBuffer: 16 * 1024 * 1024
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`python failed: ${e.stderr || e.message}`);
  }
}
