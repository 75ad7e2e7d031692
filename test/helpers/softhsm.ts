/**
 * A PKCS#11 token for tests: SoftHSM2 (Debian's softhsm2) with its token files in a temp folder, keys made with
 * opensc's pkcs11-tool — the real tools a user would use, nothing faked.
 *
 *   softhsmAvailable(): Promise<string | undefined>   undefined when the token, the tools and the pkcs11js binding
 *                                                     are all usable, else the reason for t.skip(reason)
 *   createSoftHsm() → SoftHsm                         token "ci" (PIN 1234) holding an EC P-256 key pair "signer"
 *                                                     (id 01) and an RSA 2048 key pair "rsa-signer" (id 02)
 *   SoftHsm = { module, conf, env: { SOFTHSM2_CONF }, tokenLabel, pin, uri(object, extra?), publicKeyDer(id), stop() }
 *
 * SoftHSM reads SOFTHSM2_CONF when the module is initialised: put `env` in every child's environment, and in
 * process.env before the library API opens a key in this process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { importBinding } from '../../src/pkcs11/binding.ts';

const exec = promisify(execFile);
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  module: string;
  conf: string;
  env: { SOFTHSM2_CONF: string };
  tokenLabel: string;
  pin: string;
  soPin: string;
  /** cosign's URI for a key on the token; `extra` is appended to the query (after module-path). */
  uri(object: string, options?: { pin?: boolean; extra?: string }): string;
  /** The SPKI DER of the public key object with this id, as pkcs11-tool reads it (an independent view). */
  publicKeyDer(id: string): Promise<Buffer>;
  /** The slot id of the token, as pkcs11-tool lists it. */
  slotId(): Promise<number>;
  stop(): Promise<void>;
}

/** undefined when a SoftHSM token can be made and used here, else why not. */
export async function softhsmAvailable(): Promise<string | undefined> {
  if (!existsSync(SOFTHSM_MODULE)) return `${SOFTHSM_MODULE} missing (apt-get install -y softhsm2; scripts/install-kms-emulators.sh)`;
  for (const tool of ['softhsm2-util', 'pkcs11-tool']) {
    try {
      await exec(tool, ['--help']);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `${tool} not installed (apt-get install -y softhsm2 opensc)`;
    }
  }
  try {
    await importBinding();
  } catch (err) {
    return `the optional pkcs11js binding is not built here (${(err as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

export async function createSoftHsm(): Promise<SoftHsm> {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const tokenLabel = 'ci';
  const pin = '1234';
  const soPin = '5678';
  const tool = (args: string[]) => exec('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', tokenLabel, ...args], { env });
  await exec('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', soPin], { env });
  await tool(['--login', '--pin', pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'signer', '--id', '01']);
  await tool(['--login', '--pin', pin, '--keypairgen', '--key-type', 'rsa:2048', '--label', 'rsa-signer', '--id', '02']);
  return {
    module: SOFTHSM_MODULE,
    conf,
    env: { SOFTHSM2_CONF: conf },
    tokenLabel,
    pin,
    soPin,
    uri(object, options = {}) {
      const query = [`module-path=${SOFTHSM_MODULE}`, ...(options.pin === false ? [] : [`pin-value=${pin}`]), ...(options.extra ? [options.extra] : [])];
      return `pkcs11:token=${tokenLabel};object=${object}?${query.join('&')}`;
    },
    async publicKeyDer(id) {
      const out = join(dir, `pub-${id}.der`);
      await tool(['--read-object', '--type', 'pubkey', '--id', id, '--output-file', out]);
      return readFile(out);
    },
    async slotId() {
      const { stdout } = await exec('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--list-slots'], { env });
      const match = new RegExp(`^Slot \\d+ \\((0x[0-9a-f]+)\\):[^\\n]*\\n\\s+token label\\s+:\\s+${tokenLabel}\\s*$`, 'm').exec(stdout);
      if (!match) throw new Error(`token ${tokenLabel} not in pkcs11-tool --list-slots:\n${stdout}`);
      return Number(match[1]);
    },
    async stop() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
