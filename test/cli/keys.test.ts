// The key commands run as a real process (bin/ocisign from source), with real env and piped stdin.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { loadPrivateKey, publicKeyFingerprint } from '../../src/sign/keys.ts';
import { runCli, type CliRun } from './run-cli.ts';

/** Run ocisign in `cwd`; COSIGN_PASSWORD only when given (undefined = unset); `stdin` is piped then closed. */
function ocisign(cwd: string, args: string[], opts: { password?: string; stdin?: string } = {}): Promise<CliRun> {
  return runCli(args, { cwd, env: { COSIGN_PASSWORD: opts.password }, stdin: opts.stdin ?? '' });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocisign-cli-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ocisign generate-key-pair / import-key-pair / public-key', () => {
  it('generate-key-pair with COSIGN_PASSWORD set but empty: cosign.key 0600 + cosign.pub, empty password works', async () => {
    const r = await ocisign(dir, ['generate-key-pair'], { password: '', stdin: 'not-read\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Private key written to cosign.key\nPublic key written to cosign.pub\n`);
    assert.equal((await stat(join(dir, 'cosign.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'cosign.pub'))).mode & 0o777, 0o644);
    await loadPrivateKey(await readFile(join(dir, 'cosign.key'), 'utf8'), '', 'cosign.key');
  });

  it('refuses to overwrite without --yes (exit 2, files unchanged), overwrites with -y', async () => {
    const before = await readFile(join(dir, 'cosign.key'), 'utf8');
    const refused = await ocisign(dir, ['generate-key-pair'], { password: '' });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^ocisign: writing cosign\.key: file exists \(pass --yes to overwrite it\)$/m);
    assert.equal(await readFile(join(dir, 'cosign.key'), 'utf8'), before);
    const forced = await ocisign(dir, ['generate-key-pair', '-y'], { password: '' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(await readFile(join(dir, 'cosign.key'), 'utf8'), before);
  });

  it('COSIGN_PASSWORD unset and no TTY: the password is read from stdin (one trailing newline trimmed)', async () => {
    const r = await ocisign(dir, ['generate-key-pair', '--output-key-prefix', 'piped'], { stdin: 'from stdin\n' });
    assert.equal(r.code, 0, r.stderr);
    await loadPrivateKey(await readFile(join(dir, 'piped.key'), 'utf8'), 'from stdin', 'piped.key');
    const pub = await ocisign(dir, ['public-key', '--key', 'piped.key'], { stdin: 'from stdin\n' });
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout, await readFile(join(dir, 'piped.pub'), 'utf8'));
  });

  it('COSIGN_PASSWORD unset, no TTY and nothing on stdin: generate-key-pair refuses (exit 2) and writes nothing', async () => {
    const r = await ocisign(dir, ['generate-key-pair', '--output-key-prefix', 'nopass'], { stdin: '' });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.split('\n')[0], 'ocisign: no password for the new key: set COSIGN_PASSWORD (COSIGN_PASSWORD= for an empty one), pipe it on stdin, or run in a terminal');
    await assert.rejects(stat(join(dir, 'nopass.key')));
    await assert.rejects(stat(join(dir, 'nopass.pub')));
  });

  it('public-key with a wrong password: exit 3, a plain message, no secret printed', async () => {
    const r = await ocisign(dir, ['public-key', '--key', 'piped.key'], { password: 'hunter2-wrong' });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ocisign: decrypting key piped\.key: decryption failed \(wrong password or corrupted key\)$/m);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  it('public-key --outfile writes the file', async () => {
    const r = await ocisign(dir, ['public-key', '--key', 'piped.key', '--outfile', 'out.pub'], { password: 'from stdin' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(dir, 'out.pub'), 'utf8'), await readFile(join(dir, 'piped.pub'), 'utf8'));
  });

  it('import-key-pair -k SEC1 PEM writes import-cosign.key/.pub of the same key; --output json', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    await writeFile(join(dir, 'ec.pem'), ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string);
    const r = await ocisign(dir, ['import-key-pair', '-k', 'ec.pem', '--output', 'json'], { password: 'imp' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { privateKey: 'import-cosign.key', publicKey: 'import-cosign.pub', keyType: 'ecdsa-p384' });
    const key = await loadPrivateKey(await readFile(join(dir, 'import-cosign.key'), 'utf8'), 'imp', 'k');
    assert.equal(publicKeyFingerprint(key), publicKeyFingerprint(ec.publicKey));
  });

  it('import-key-pair refuses RSA-1024 and a non-key file with exit 3, writing nothing', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(dir, 'small.pem'), small.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string);
    const r = await ocisign(dir, ['import-key-pair', '-k', 'small.pem', '--output-key-prefix', 'small'], { password: '' });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unsupported RSA key of 1024 bits/);
    await assert.rejects(stat(join(dir, 'small.key')));
    await writeFile(join(dir, 'junk.pem'), 'hello\n');
    const junk = await ocisign(dir, ['import-key-pair', '-k', 'junk.pem', '--output-key-prefix', 'junk'], { password: '' });
    assert.equal(junk.code, 3);
    assert.match(junk.stderr, /^ocisign: reading junk\.pem: no PEM block found$/m);
  });
});
