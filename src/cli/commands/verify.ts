import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import type { CliIo } from '../io.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { imageTarget, ioOf, parseAnnotationFlags } from './sign.ts';

interface VerifyArgs extends GlobalArgs {
  images: string[];
  key: string | string[];
  /** Repeatable; not `array: true` (that would swallow the IMAGE positional). */
  annotations?: string | string[];
  'insecure-ignore-tlog'?: boolean;
  'check-docker-reference'?: boolean;
  repository?: string;
  'max-workers': number;
}

export const verifyCommand: CommandModule<GlobalArgs, VerifyArgs> = {
  command: 'verify <images..>',
  describe: 'Verify the cosign signatures of images with a public key',
  builder: (y) =>
    y
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image references' })
      .option('key', { type: 'string', demandOption: true, describe: 'public key file (repeat: any one key verifying is enough)' })
      .option('annotations', { alias: 'a', type: 'string', describe: 'require key=value in the signed payload (repeatable, comma-separated)' })
      .option('insecure-ignore-tlog', { type: 'boolean', default: false, describe: 'accept signatures without a verified transparency log entry' })
      .option('check-docker-reference', { type: 'boolean', default: false, describe: 'also require the signed docker-reference to equal the image repository (not checked by cosign)' })
      .option('repository', { type: 'string', describe: 'read signatures from this repository (default: $COSIGN_REPOSITORY)' })
      .option('max-workers', { type: 'number', default: 8, describe: 'images verified at once' })
      .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'json' as const, describe: 'json: the verified payloads as cosign prints them; text: each payload as signed' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<VerifyArgs>, async (ctx, args) => {
      const { verifyImages } = await import('../../ops/verify.ts');
      const { KeyVerifier } = await import('../../sign/key-signer.ts');
      const { readFile } = await import('node:fs/promises');
      const { OcisignError, describeError } = await import('../../core/errors.ts');
      const verifiers = [];
      for (const file of ([] as string[]).concat(args.key)) {
        const pem = await readFile(file, 'utf8').catch((err: unknown) => {
          throw new OcisignError('BAD_INPUT', `reading key ${file}: ${describeError(err)}`, { cause: err });
        });
        verifiers.push(KeyVerifier.fromPem(pem, file));
      }
      const annotations = await parseAnnotationFlags(args.annotations);
      const repository = args.repository ?? ctx.env.COSIGN_REPOSITORY;
      const targets = [];
      for (const image of args.images) targets.push(await imageTarget(ctx, image, repository));
      const ignoreTlog = args['insecure-ignore-tlog'] === true;
      if (ignoreTlog) ioOf(args).stderr('WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.');
      const outcomes = await verifyImages(targets, {
        verifiers,
        annotations,
        ignoreTlog,
        checkDockerReference: args['check-docker-reference'] === true,
      }, Math.max(1, args['max-workers'] || 8));
      await printOutcomes(outcomes, ioOf(args), args.output === 'text' ? 'text' : 'json', ignoreTlog);
    }),
};

type Outcomes = Awaited<ReturnType<typeof import('../../ops/verify.ts').verifyImages>>;

/**
 * cosign's output: per verified image, a summary on stderr and the payloads on stdout (json: one line,
 * an array of {critical, optional}; text: each payload's bytes as signed). Failures: the error of a single
 * image is thrown as is; with several images each failure is printed and the worst exit code wins.
 */
async function printOutcomes(outcomes: Outcomes, io: CliIo, output: 'text' | 'json', ignoreTlog: boolean): Promise<void> {
  const { formatClaimsLikeCosign } = await import('../../verify/simple-signing-claims.ts');
  for (const o of outcomes) {
    if (!o.ok) continue;
    io.stderr('');
    io.stderr(`Verification for ${o.image.name} --`);
    io.stderr('The following checks were performed on each of these signatures:');
    io.stderr('  - The cosign claims were validated');
    if (!ignoreTlog) io.stderr('  - Existence of the claims in the transparency log was verified offline');
    io.stderr('  - The signatures were verified against the specified public key');
    if (output === 'json') io.stdout(`[${o.image.verified.map((v) => formatClaimsLikeCosign(v.claims)).join(',')}]\n`);
    else for (const v of o.image.verified) io.stdout(`${new TextDecoder().decode(v.payload)}\n`);
  }
  const failures = outcomes.filter((o) => !o.ok);
  if (failures.length === 0) return;
  if (outcomes.length === 1) throw failures[0]!.error;
  for (const f of failures) {
    io.stderr(`ocisign: ${f.error.message}`);
    for (const line of f.error.details) io.stderr(`  ${line}`);
  }
  const worst = failures.reduce((a, b) => (b.error.exitCode > a.error.exitCode ? b : a));
  const { OcisignError } = await import('../../core/errors.ts');
  throw new OcisignError(worst.error.code, `${failures.length} of ${outcomes.length} images failed verification`);
}
