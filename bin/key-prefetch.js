// Run by bin/ocisign first thing for the commands that sign with `--key` and $COSIGN_PASSWORD: when the key is an
// encrypted key file, its scrypt (~0.35 s on the thread pool) starts now, ~20 ms after Node's own start-up, and
// overlaps with loading the CLI. Plain JavaScript on Node built-ins only: importing anything more is what took those
// ~20 ms. Best effort and silent. Nothing is decided here: the CLI loads the key as always, with every check and
// error, and takes this run only when its password, salt and scrypt parameters are the same bytes
// (takeEarlyDerivation in src/sign/encrypted-key.ts, which finds it under EARLY_DERIVATIONS).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Where the runs started here wait for the key loader: a process-wide registry, as the CLI is another module graph. */
export const EARLY_DERIVATIONS = Symbol.for('ocisign.earlyKeyDerivations');
/** The key file labels and scrypt costs src/sign/encrypted-key.ts accepts (test/sign/key-prefetch.test.ts holds them equal). */
export const LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];
export const ACCEPTED_N = [32768, 65536, 131072];
const MAX_KEY_FILE_BYTES = 1024 * 1024;

export function startKeyPrefetch(args, env) {
  const password = env.COSIGN_PASSWORD;
  const path = keyFlag(args);
  // KMS and HSM references (awskms://…, pkcs11:…) have no scrypt
  if (password === undefined || path === undefined || path.includes('://') || path.startsWith('pkcs11:')) return;
  try {
    const text = readSmallFile(path);
    const params = text === undefined ? undefined : scryptParams(text);
    if (params) startDerivation(Buffer.from(password, 'utf8'), params);
  } catch {
    // the key is loaded later with its checks and errors
  }
}

/** The value of the one `--key` flag before `--`; undefined when there is none or more than one. */
export function keyFlag(args) {
  const values = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a === '--key' && i + 1 < args.length) values.push(args[++i]);
    else if (a.startsWith('--key=')) values.push(a.slice('--key='.length));
  }
  return values.length === 1 && values[0] !== '' && !values[0].startsWith('-') ? values[0] : undefined;
}

/** salt and N of cosign's encrypted key PEM (scrypt r=8 p=1, as the decryption accepts), or undefined. */
function scryptParams(text) {
  for (const label of LABELS) {
    const begin = text.indexOf(`-----BEGIN ${label}-----`);
    if (begin < 0) continue;
    const end = text.indexOf(`-----END ${label}-----`, begin);
    if (end < 0) return undefined;
    const body = text.slice(begin + label.length + 16, end).replace(/\s+/g, '');
    const kdf = JSON.parse(Buffer.from(body, 'base64').toString('utf8'))?.kdf;
    const { N, r, p } = kdf?.params ?? {};
    if (kdf?.name !== 'scrypt' || !ACCEPTED_N.includes(N) || r !== 8 || p !== 1 || typeof kdf.salt !== 'string') return undefined;
    return { N, r, p, salt: Buffer.from(kdf.salt, 'base64') };
  }
  return undefined;
}

function startDerivation(password, { N, r, p, salt }) {
  const keyBytes = 32;
  const { scrypt } = process.getBuiltinModule('node:crypto');
  const key = new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: 256 * 1024 * 1024 }, (err, derived) => (err ? reject(err) : resolve(derived)));
  });
  key.catch(() => undefined); // the decryption that takes it reports the failure
  (globalThis[EARLY_DERIVATIONS] ??= []).push({ password, salt, N, r, p, keyBytes, key });
}

/** A regular file of at most MAX_KEY_FILE_BYTES as UTF-8, else undefined. */
function readSmallFile(path) {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_KEY_FILE_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < buf.byteLength) {
      const n = readSync(fd, buf, filled, buf.byteLength - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
