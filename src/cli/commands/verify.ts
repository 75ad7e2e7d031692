import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import type { SimpleSigningClaims } from '../../verify/simple-signing-claims.ts';
import type { Origin } from '../../verify/evidence.ts';
import type { CliIo } from '../io.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { identityFlagOptions, signatureFlagOptions, verificationTrust, type IdentityArgs, type SignatureFlagArgs } from './identity-flags.ts';
import { imageTarget, ioOf, parseAnnotationFlags } from './image-args.ts';

export interface VerifyArgs extends GlobalArgs, IdentityArgs, SignatureFlagArgs {
  images: string[];
  'max-workers': number;
  policy?: string;
}

export const verifyCommand: CommandModule<GlobalArgs, VerifyArgs> = {
  command: 'verify <images..>',
  describe: 'Verify the cosign signatures of images with a public key, or keyless against a certificate identity',
  builder: (y) =>
    signatureFlagOptions(identityFlagOptions(y)
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image references' }))
      .option('max-workers', { type: 'number', default: 8, describe: 'images verified at once' })
      .option('policy', { type: 'string', describe: 'policy file: signatures by its keys or keyless identities + its required attestations and CEL conditions (exit 14 on a violation)' })
      .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'json' as const, describe: 'json: the verified payloads as cosign prints them; text: each payload as signed' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<VerifyArgs>, async (ctx, args) => {
      if (args.policy !== undefined) return (await import('./verify-policy.ts')).verifyPolicyCli(ctx, args as VerifyArgs & { policy: string });
      const { verifyImages } = await import('../../ops/verify.ts');
      const verifiers = await (await import('../../kms/load-key.ts')).loadVerifiers(args.key, { env: ctx.env });
      const annotations = await parseAnnotationFlags(args.annotations);
      const repository = args.repository ?? ctx.env.COSIGN_REPOSITORY;
      const targets = [];
      for (const image of args.images) targets.push(await imageTarget(ctx, image, repository));
      const ignoreTlog = args['insecure-ignore-tlog'] === true;
      if (ignoreTlog) ioOf(args).stderr('WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.');
      const keyless = await verificationTrust(ctx, args, { keyless: verifiers.length === 0 });
      const outcomes = await verifyImages(targets, {
        verifiers,
        annotations,
        ignoreTlog,
        checkDockerReference: args['check-docker-reference'] === true,
        ...keyless,
      }, Math.max(1, args['max-workers'] || 8));
      await printOutcomes(outcomes, ioOf(args), args.output === 'text' ? 'text' : 'json', ignoreTlog, verifiers.length === 0);
    }),
};

type Outcomes = Awaited<ReturnType<typeof import('../../ops/verify.ts').verifyImages>>;

/**
 * cosign's output: per verified image, a summary on stderr and the payloads on stdout (json: one line,
 * an array of {critical, optional}; text: each payload's bytes as signed). Failures: the error of a single
 * image is thrown as is; with several images each failure is printed and the worst exit code wins.
 */
async function printOutcomes(outcomes: Outcomes, io: CliIo, output: 'text' | 'json', ignoreTlog: boolean, keyless: boolean): Promise<void> {
  const { formatClaimsLikeCosign } = await import('../../verify/simple-signing-claims.ts');
  for (const o of outcomes) {
    if (!o.ok) continue;
    io.stderr('');
    io.stderr(`Verification for ${o.image.name} --`);
    io.stderr('The following checks were performed on each of these signatures:');
    io.stderr('  - The cosign claims were validated');
    if (!ignoreTlog) io.stderr('  - Existence of the claims in the transparency log was verified offline');
    io.stderr(keyless ? '  - The code-signing certificate was verified using trusted certificate authority certificates' : '  - The signatures were verified against the specified public key');
    if (output === 'json') io.stdout(`[${o.image.verified.map((v) => withSource(formatClaimsLikeCosign(withSigner(v)), v.source)).join(',')}]\n`);
    else for (const v of o.image.verified) io.stdout(`${new TextDecoder().decode(v.payload)}\n`);
  }
  const { throwCombinedFailures } = await import('../combine-failures.ts');
  throwCombinedFailures(outcomes.flatMap((o) => (o.ok ? [] : [o.error])), outcomes.length, io, 'verification');
}

/**
 * cosign's element, plus where the signature was found: `"source":{"kind":"tag","tag":…,"layer":…,"digest":…}` or
 * `{"kind":"referrer","digest":…,"via":"referrers-api"|"fallback-tag"|"layout"}` (cosign readers ignore it).
 */
function withSource(cosignJson: string, source: Origin): string {
  const s =
    source.kind === 'tag' ? { kind: 'tag', repository: source.repository, tag: source.tag, layer: source.layer, digest: source.layerDigest }
    : source.kind === 'referrer' ? { kind: 'referrer', repository: source.repository, digest: source.manifestDigest, via: source.via }
    : { kind: 'input', name: source.name };
  return `${cosignJson.slice(0, -1)},"source":${JSON.stringify(s)}}`;
}

/** cosign adds the certificate's Subject and Issuer to `optional` in its json output. */
function withSigner(v: { claims: SimpleSigningClaims; signer?: { subject: string; issuer?: string } }): SimpleSigningClaims {
  if (!v.signer) return v.claims;
  const extra: Record<string, unknown> = { Subject: v.signer.subject, ...(v.signer.issuer ? { Issuer: v.signer.issuer } : {}) };
  return { ...v.claims, optional: { ...(v.claims.optional ?? {}), ...extra } };
}
