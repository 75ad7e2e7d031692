/**
 * The CLI's context: global options + environment → RegistryClientOptions, a logger, the output mode and
 * `open(ref)`. The only place besides main.ts that reads process.env.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OcisignError } from '../core/errors.ts';
import { fsReason } from '../core/fs.ts';
import { INPUT_LIMITS, theLimit } from '../core/input-limits.ts';
import { DeadlineExceeded } from '../core/deadline.ts';
import { formatGoDuration, parseGoDuration } from '../core/duration.ts';
import type { Timeouts } from '../core/limits.ts';
import type { Logger, RegistryClientOptions } from '../oci/client-options.ts';
import type { Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import type { CliIo } from './io.ts';

export type OutputMode = 'text' | 'json';

/** Global options every command receives (cosign's names). */
export interface GlobalArgs {
  verbose?: boolean;
  output?: OutputMode;
  'registry-username'?: string;
  'registry-password'?: string;
  'registry-cacert'?: string;
  'allow-http-registry'?: boolean;
  'allow-insecure-registry'?: boolean;
  /** Whole-command deadline, a Go duration (cosign's `--timeout`, default 3m); 0 = none. */
  timeout?: string;
  /** Deadline for each answer's headers and each silence in its body, a Go duration (default 30s). */
  'request-timeout'?: string;
}

export interface CliContext {
  readonly output: OutputMode;
  readonly verbose: boolean;
  readonly logger: Logger;
  readonly env: Record<string, string | undefined>;
  /** stdout/stderr of this run (results go in the returned CommandResult; use this for extra stderr lines). */
  readonly io: CliIo;
  /** Options for the registry backend; the dispatcher is created on first use and closed by `close()`. */
  clientOptions(): Promise<RegistryClientOptions>;
  /** Parse a reference (BAD_INPUT, exit 3, when malformed). */
  parse(input: string): Promise<Reference>;
  /** Open the repository of a reference (layout or registry). */
  open(ref: Reference): Promise<Repository>;
  /** Open the repository of an image that must exist: a missing layout directory is NOT_FOUND naming it. */
  openImage(ref: Reference): Promise<Repository>;
  /** Aborts at the whole-command deadline (`--timeout`); every registry and Sigstore request ends with it. */
  readonly signal: AbortSignal;
  /** Release the dispatcher and the deadline. */
  close(): Promise<void>;
}

/** How long a command may keep running after its deadline fired (its requests ended) before the process exits. */
const DEADLINE_GRACE_MS = 5_000;

export function createContext(argv: GlobalArgs, io: CliIo): CliContext {
  const verbose = argv.verbose === true;
  const logger: Logger = {
    warn: (m) => io.stderr(`ocisign: warning: ${m}`),
    debug: verbose ? (m) => io.stderr(`ocisign: ${m}`) : () => {},
  };
  const timeouts = requestTimeouts(argv);
  const deadline = startDeadline(argv.timeout, io);
  let options: Promise<RegistryClientOptions> | undefined;
  let closeDispatcher: (() => Promise<void>) | undefined;
  const clientOptions = (): Promise<RegistryClientOptions> => {
    deadline.arm();
    options ??= buildClientOptions(argv, io.env, logger, timeouts, deadline.signal).then((o) => {
      closeDispatcher = o.close;
      return o.options;
    });
    return options;
  };
  return {
    output: argv.output === 'json' ? 'json' : 'text',
    verbose,
    logger,
    env: io.env,
    io,
    signal: deadline.signal,
    clientOptions,
    async parse(input) {
      const { parseReference } = await import('../oci/reference.ts');
      return parseReference(input);
    },
    async open(ref) {
      // Each backend loads only when used: a layout command never loads the HTTP client.
      deadline.arm();
      if (ref.kind === 'layout') {
        const { createLayoutRepository } = await import('../oci/layout/layout-repository.ts');
        return createLayoutRepository(ref, { logger });
      }
      const { createRegistryRepository } = await import('../oci/registry/registry-repository.ts');
      return createRegistryRepository(ref, await clientOptions());
    },
    async openImage(ref) {
      if (ref.kind === 'layout') {
        const { assertLayoutExists } = await import('../oci/layout/layout-exists.ts');
        await assertLayoutExists(ref.path);
      }
      return this.open(ref);
    },
    async close() {
      deadline.cancel();
      await closeDispatcher?.();
    },
  };
}

function requestTimeouts(argv: GlobalArgs): Partial<Timeouts> {
  if (argv['request-timeout'] === undefined) return {};
  const ms = parseGoDuration(argv['request-timeout'], '--request-timeout');
  if (ms <= 0) throw new OcisignError('USAGE', '--request-timeout must be more than 0');
  return { headersMs: ms, bodyIdleMs: ms };
}

/**
 * The whole-command deadline (cosign's `--timeout`): when it passes, the signal aborts with a DeadlineExceeded, so
 * every request in flight ends with an error naming what it was reading or writing. A command that works on images
 * (`arm()`: it opened a repository or the HTTP client) and is stuck elsewhere (a file lock, a TUF fetch on another
 * HTTP client) still ends: after a grace period the process exits 4. Key commands waiting at a password prompt are
 * never armed. Both timers are unref'd, so they never hold a finished process.
 */
export function startDeadline(
  text: string | undefined,
  io: Pick<CliIo, 'stderr'>,
  { exit = (code: number): void => process.exit(code), graceMs = DEADLINE_GRACE_MS }: { exit?: (code: number) => void; graceMs?: number } = {},
): { signal: AbortSignal; arm(): void; cancel(): void } {
  const controller = new AbortController();
  const ms = text === undefined ? 0 : parseGoDuration(text, '--timeout');
  if (ms <= 0) return { signal: controller.signal, arm() {}, cancel() {} };
  const message = `the command's deadline of ${formatGoDuration(ms)} (--timeout) passed`;
  let armed = false;
  let grace: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    controller.abort(new DeadlineExceeded(message));
    grace = setTimeout(() => {
      if (!armed) return;
      io.stderr(`ocisign: ${message}`);
      exit(4);
    }, graceMs).unref();
  }, ms).unref();
  return {
    signal: controller.signal,
    arm() {
      armed = true;
    },
    cancel() {
      clearTimeout(timer);
      clearTimeout(grace);
    },
  };
}

async function buildClientOptions(
  argv: GlobalArgs,
  env: Record<string, string | undefined>,
  logger: Logger,
  timeouts: Partial<Timeouts>,
  signal: AbortSignal,
): Promise<{ options: RegistryClientOptions; close?: () => Promise<void> }> {
  const caCerts = [argv['registry-cacert'], env.NODE_EXTRA_CA_CERTS]
    .filter((f): f is string => typeof f === 'string' && f !== '')
    .map((file) => readCaFile(file));
  const username = argv['registry-username'];
  const password = argv['registry-password'];
  const options: RegistryClientOptions = {
    dockerConfigDir: env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'),
    allowHttp: argv['allow-http-registry'] === true,
    insecure: argv['allow-insecure-registry'] === true,
    caCerts,
    logger,
    env,
    timeouts,
    signal,
  };
  if (username !== undefined || password !== undefined) options.credentials = { username, password };
  if (options.insecure) logger.warn('TLS verification of registries is OFF (--allow-insecure-registry)');
  const made = await makeDispatcher(options);
  if (made) options.dispatcher = made.dispatcher;
  return { options, close: made?.close };
}

/** The one undici dispatcher of this process, from the registry backend's factory when it is present. */
async function makeDispatcher(options: RegistryClientOptions) {
  const { createCliDispatcher } = await import('./dispatcher.ts');
  return createCliDispatcher(options);
}

/** A PEM bundle, read bounded (INPUT_LIMITS.maxCaFileBytes); sync, as the dispatcher is built synchronously after. */
function readCaFile(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.allocUnsafe(INPUT_LIMITS.maxCaFileBytes + 1);
    let total = 0;
    for (let n; total < buf.byteLength && (n = readSync(fd, buf, total, buf.byteLength - total, null)) > 0; ) total += n;
    if (total > INPUT_LIMITS.maxCaFileBytes) throw new OcisignError('BAD_INPUT', `reading CA certificates ${file}: more than ${theLimit(INPUT_LIMITS.maxCaFileBytes)}`);
    return buf.toString('utf8', 0, total);
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw new OcisignError('BAD_INPUT', `reading CA certificates ${file}: ${fsReason(err)}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
