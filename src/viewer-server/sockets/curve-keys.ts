/**
 * The server's CURVE keypair for remote producers (docs/security.md, "Streaming from another
 * machine"): generated once into `<viewer home>/curve/` — `server.key` (secret, 0600) and
 * `server.key.pub` (public, the file to hand to workers) — and reused by every later start, so
 * workers keep their key across restarts. Z85 text, 40 characters each.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as zmq from 'zeromq';

export interface CurveKeys {
  publicKey: string;
  secretKey: string;
  /** Where the public key is, for the log line and the docs' instructions. */
  publicKeyFile: string;
}

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

export function serverCurveKeys(home: string): CurveKeys {
  if (!zmq.capability.curve)
    throw new Error(
      'this ZeroMQ build has no CURVE support; the viewer serves remote producers only with CURVE, so it binds loopback only'
    );
  const dir = path.join(home, 'curve');
  const secretFile = path.join(dir, 'server.key');
  const publicKeyFile = path.join(dir, 'server.key.pub');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(secretFile) || !existsSync(publicKeyFile)) {
    const pair = zmq.curveKeyPair();
    // Public first: a secret key without its public one is regenerated at the next start.
    writeAtomically(publicKeyFile, `${pair.publicKey}\n`, 0o644);
    writeAtomically(secretFile, `${pair.secretKey}\n`, 0o600);
  }
  const publicKey = readFileSync(publicKeyFile, 'utf8').trim();
  const secretKey = readFileSync(secretFile, 'utf8').trim();
  if (!Z85_KEY.test(publicKey) || !Z85_KEY.test(secretKey))
    throw new Error(
      `the CURVE keys in ${dir} are not 40-character Z85 keys; remove both files to have new ones made (workers then need the new server.key.pub)`
    );
  return { publicKey, secretKey, publicKeyFile };
}

function writeAtomically(file: string, text: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  renameSync(temp, file);
}
