import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { readPassword, terminalPasswordSource, trimOneNewline, type PasswordSource } from '../../src/sign/password.ts';

/** A source recording what was asked; `answers` are the TTY replies in order. */
function source(opts: { env?: string; tty?: boolean; answers?: string[]; stdin?: string }): PasswordSource & { asked: string[] } {
  const asked: string[] = [];
  const answers = [...(opts.answers ?? [])];
  return {
    asked,
    envPassword: () => opts.env,
    isInteractive: () => opts.tty === true,
    prompt: async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    },
    readAll: async () => {
      asked.push('stdin');
      return opts.stdin ?? '';
    },
  };
}

describe('password order (COSIGN_PASSWORD, TTY, stdin)', () => {
  it('COSIGN_PASSWORD set to empty is a valid empty password: no prompt, no stdin', async () => {
    const s = source({ env: '', tty: true, answers: ['typed'] });
    assert.equal(await readPassword(s, { confirm: true }), '');
    assert.deepEqual(s.asked, []);
  });

  it('COSIGN_PASSWORD set wins over TTY and stdin', async () => {
    const s = source({ env: 'from-env', tty: false, stdin: 'piped' });
    assert.equal(await readPassword(s), 'from-env');
    assert.deepEqual(s.asked, []);
  });

  it('unset + TTY: prompts once, or twice with confirmation', async () => {
    const once = source({ tty: true, answers: ['a'] });
    assert.equal(await readPassword(once), 'a');
    assert.equal(once.asked.length, 1);
    const twice = source({ tty: true, answers: ['b', 'b'] });
    assert.equal(await readPassword(twice, { confirm: true }), 'b');
    assert.deepEqual(twice.asked, ['Enter password for private key: ', 'Enter password for private key again: ']);
  });

  it('a confirmation mismatch is an error that does not echo either password', async () => {
    await assert.rejects(readPassword(source({ tty: true, answers: ['one', 'two'] }), { confirm: true }), (err: unknown) => {
      assert.ok(isOcisignError(err, 'BAD_INPUT'));
      assert.equal((err as Error).message, 'reading password: passwords do not match');
      return true;
    });
  });

  it('unset + no TTY: all of stdin, one trailing newline removed', async () => {
    assert.equal(await readPassword(source({ stdin: 'piped\n' })), 'piped');
    assert.equal(await readPassword(source({ stdin: 'two\n\n' })), 'two\n');
    assert.equal(await readPassword(source({ stdin: 'crlf\r\n' })), 'crlf');
    assert.equal(await readPassword(source({ stdin: '' })), '');
    assert.equal(trimOneNewline(' spaced \n'), ' spaced ');
  });

  it('a new key (confirm) refuses an empty stdin password; COSIGN_PASSWORD= and a piped password still work', async () => {
    await assert.rejects(readPassword(source({ stdin: '' }), { confirm: true }), (err: unknown) => isOcisignError(err, 'USAGE') && /set COSIGN_PASSWORD/.test(err.message));
    await assert.rejects(readPassword(source({ stdin: '\n' }), { confirm: true }), (err: unknown) => isOcisignError(err, 'USAGE'));
    assert.equal(await readPassword(source({ env: '', stdin: '' }), { confirm: true }), '');
    assert.equal(await readPassword(source({ stdin: 'pw\n' }), { confirm: true }), 'pw');
  });
});

describe('terminalPasswordSource', () => {
  it('distinguishes COSIGN_PASSWORD unset from set-but-empty', () => {
    const stdin = new PassThrough();
    const stderr = new PassThrough();
    assert.equal(terminalPasswordSource({ env: {}, stdin, stderr }).envPassword(), undefined);
    assert.equal(terminalPasswordSource({ env: { COSIGN_PASSWORD: '' }, stdin, stderr }).envPassword(), '');
  });

  it('is not interactive on a pipe and reads the whole pipe', async () => {
    const stdin = new PassThrough();
    const s = terminalPasswordSource({ env: {}, stdin, stderr: new PassThrough() });
    assert.equal(s.isInteractive(), false);
    stdin.end('pw from pipe\n');
    assert.equal(await readPassword(s), 'pw from pipe');
  });

  it('prompts in raw mode without echo, handles backspace, restores the mode', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(m: boolean) { this.modes.push(m); } });
    const stderr = new PassThrough();
    let shown = '';
    stderr.on('data', (d) => (shown += String(d)));
    const s = terminalPasswordSource({ env: {}, stdin, stderr });
    assert.equal(s.isInteractive(), true);
    const answer = s.prompt('Password: ');
    stdin.write('sekx\u007fret\r');
    assert.equal(await answer, 'sekret');
    assert.deepEqual(stdin.modes, [true, false]);
    assert.equal(shown, 'Password: \n', 'nothing typed is echoed');
  });
});
