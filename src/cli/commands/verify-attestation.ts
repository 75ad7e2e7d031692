import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import type { CliIo } from '../io.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { attachTarget } from './attach.ts';
import { identityFlagOptions, verificationTrust, type IdentityArgs } from './identity-flags.ts';
import { ioOf } from './image-args.ts';

interface VerifyAttestationArgs extends GlobalArgs, IdentityArgs {
  images: string[];
  key?: string | string[];
  type?: string;
  policy?: string;
  'insecure-ignore-tlog'?: boolean;
  repository?: string;
}

/** Verifiers for repeatable --key flags: public key files, awskms://… or pkcs11:… keys (kms/load-key.ts). */
export async function loadVerifiers(keys: string | string[] | undefined, env: Record<string, string | undefined> = process.env) {
  const { loadVerifiers: load } = await import('../../kms/load-key.ts');
  return load(keys, { env });
}

export const verifyAttestationCommand: CommandModule<GlobalArgs, VerifyAttestationArgs> = {
  command: 'verify-attestation <images..>',
  describe: 'Verify the in-toto attestations of images (.att) with a public key or keyless identity, their type, and a CEL policy',
  builder: (y) =>
    identityFlagOptions(y)
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image references' })
      .option('key', { type: 'string', describe: 'public key file, awskms://… or pkcs11:… key (repeatable; with --policy, adds to its keys); without it: keyless' })
      .option('type', { type: 'string', describe: 'predicate type: a cosign name or URI (default: custom, as cosign; none with --policy)' })
      .option('policy', { type: 'string', describe: 'policy file (YAML or JSON): trusted keys and identities, required attestation types, CEL conditions' })
      .option('insecure-ignore-tlog', { type: 'boolean', default: false, describe: 'accept attestations without a verified transparency log entry' })
      .option('repository', { type: 'string', describe: 'read attestations from this repository (default: $COSIGN_REPOSITORY)' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<VerifyAttestationArgs>, async (ctx, args) => {
      const { verifyAttestationsOf } = await import('../../ops/verify-attestation.ts');
      const { OcisignError } = await import('../../core/errors.ts');
      const loaded = args.policy ? await (await import('../../ops/policy.ts')).loadPolicyWithKeys(args.policy) : undefined;
      if (loaded?.policy.images) throw new OcisignError('USAGE', `verify-attestation --policy reads only a policy's top level, and ${args.policy} has per-image rules (images:): use verify --policy or manifest verify --policy`);
      const verifiers = [...(loaded?.verifiers ?? []), ...(await loadVerifiers(args.key, ctx.env))];
      const trust = await verificationTrust(ctx, args, { keyless: verifiers.length === 0, ...(loaded ? { policy: loaded.policy } : {}) });
      const identities = [...(loaded?.policy.identities ?? []), ...trust.identities];
      if (verifiers.length === 0 && identities.length === 0) throw new OcisignError('USAGE', 'verifying attestations: pass --key or --certificate-identity (or a --policy with keys or identities)');
      const targets = [];
      for (const image of args.images) targets.push(await attachTarget(ctx, image, args.repository));
      const ignoreTlog = args['insecure-ignore-tlog'] === true;
      const io = ioOf(args);
      if (ignoreTlog) io.stderr('WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the attestation.');
      const outcomes = await verifyAttestationsOf(targets, {
        verifiers,
        identities,
        trustedRoot: trust.trustedRoot,
        ignoreSct: trust.ignoreSct,
        type: args.type ?? (loaded ? undefined : 'custom'),
        policy: loaded?.policy,
        ignoreTlog,
      });
      await print(outcomes, io, ctx.output, ignoreTlog, loaded !== undefined, verifiers.length === 0);
    }),
};

type Outcomes = Awaited<ReturnType<typeof import('../../ops/verify-attestation.ts').verifyAttestationsOf>>;

/** cosign prints each verified envelope on one line; `--output json` prints the verified statements. */
async function print(outcomes: Outcomes, io: CliIo, output: 'text' | 'json', ignoreTlog: boolean, policy: boolean, keyless: boolean): Promise<void> {
  const ok = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
  for (const r of ok) {
    io.stderr('');
    io.stderr(`Verification for ${r.name} --`);
    io.stderr('The following checks were performed on each of these signatures:');
    io.stderr('  - The cosign claims were validated');
    if (!ignoreTlog) io.stderr('  - Existence of the claims in the transparency log was verified offline');
    io.stderr(keyless ? '  - The code-signing certificate was verified using trusted certificate authority certificates' : '  - The signatures were verified against the specified public key');
    if (policy) io.stderr('  - The policy was satisfied');
  }
  if (output === 'json') {
    const json = ok.map((r) => ({ image: r.name, digest: r.digest, statements: r.verified.map((v) => v.statement.raw) }));
    io.stdout(`${JSON.stringify(outcomes.length === 1 ? json[0] ?? null : json, null, 2)}\n`);
  } else {
    for (const r of ok) for (const v of r.verified) io.stdout(`${Buffer.from(v.envelope).toString('utf8').trim()}\n`);
  }
  const { throwCombinedFailures } = await import('../combine-failures.ts');
  throwCombinedFailures(outcomes.flatMap((o) => (o.ok ? [] : [o.error])), outcomes.length, io, 'attestation verification');
}
