import type { CliContext } from '../context.ts';
import { verificationTrust } from './identity-flags.ts';
import { ioOf } from './image-args.ts';
import type { VerifyArgs } from './verify.ts';

/** `verify --policy FILE IMAGE…`: the whole policy per image (ops/policy.ts); the worst failure's exit code. */
export async function verifyPolicyCli(ctx: CliContext, args: VerifyArgs & { policy: string }): Promise<void> {
  const { loadPolicyWithKeys, verifyWithPolicy } = await import('../../ops/policy.ts');
  const { loadVerifiers } = await import('./verify-attestation.ts');
  const { attachTarget } = await import('./attach.ts');
  const { OcisignError } = await import('../../core/errors.ts');
  const { policy, verifiers } = await loadPolicyWithKeys(args.policy);
  const extra = await loadVerifiers(args.key, ctx.env);
  const trust = await verificationTrust(ctx, args, { keyless: verifiers.length + extra.length === 0, policy });
  const io = ioOf(args);
  const failures: InstanceType<typeof OcisignError>[] = [];
  for (const image of args.images) {
    const target = await attachTarget(ctx, image, args.repository);
    try {
      const r = await verifyWithPolicy(target, { policy, policyVerifiers: verifiers, verifiers: extra, ...trust, ignoreTlog: args['insecure-ignore-tlog'] === true });
      io.stderr(`Policy ${args.policy} satisfied by ${r.name}@${r.digest}`);
      io.stdout(`${JSON.stringify({ image: r.name, digest: r.digest, signatures: r.signatures?.verified.length ?? 0, attestations: r.attestations?.verified.map((v) => v.statement.predicateType) ?? [] })}\n`);
    } catch (err) {
      if (!(err instanceof OcisignError)) throw err;
      failures.push(err);
    }
  }
  const { throwCombinedFailures } = await import('../combine-failures.ts');
  throwCombinedFailures(failures, args.images.length, io, 'the policy');
}
