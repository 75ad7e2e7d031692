/**
 * What the image commands share about their arguments: the IMAGE operands as targets, `-a key=value` flags, the
 * signature repository (`--repository` / $COSIGN_REPOSITORY) and the CliIo of a run. Kept apart from the commands
 * themselves so that `verify` loads none of `sign`'s code.
 */
import type { CliContext } from '../context.ts';
import { processIo, type CliIo } from '../io.ts';

/**
 * cosign's `-a` is a StringSlice: every value is split on commas, then each item on its first `=`.
 * `-a a=b,c=d -a e=f` gives three annotations.
 */
export async function parseAnnotationFlags(value: string | readonly string[] | undefined): Promise<Record<string, string> | undefined> {
  const values = value === undefined ? [] : ([] as string[]).concat(value);
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of values.flatMap((v) => String(v).split(','))) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      const { OcisignError } = await import('../../core/errors.ts');
      throw new OcisignError('USAGE', `invalid annotation ${JSON.stringify(item)}: want key=value`);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** The CliIo main.ts merged into argv (process streams when run otherwise). */
export function ioOf(args: object): CliIo {
  return (args as { io?: CliIo }).io ?? processIo;
}

/** What sign and verify resolve per IMAGE argument. */
export async function imageTarget(ctx: CliContext, input: string, signatureRepo: string | undefined) {
  const { formatReference, lookupKey, signedIdentity } = await import('../../oci/reference.ts');
  const ref = await ctx.parse(input);
  const sigRef = await targetRepository(ctx, signatureRepo);
  return {
    image: await ctx.openImage(ref),
    ref: lookupKey(ref),
    name: formatReference(ref),
    dockerReference: signedIdentity(ref),
    signatures: sigRef ? await ctx.open(sigRef) : undefined,
  };
}

/** COSIGN_REPOSITORY / --repository: a repository without tag or digest. */
export async function targetRepository(
  ctx: { parse(input: string): Promise<import('../../oci/reference.ts').Reference> },
  value: string | undefined,
) {
  if (value === undefined || value === '') return undefined;
  const ref = await ctx.parse(value);
  if (ref.digest !== undefined || (ref.tag !== undefined && (ref.kind === 'layout' || value.slice(value.lastIndexOf('/')).includes(':')))) {
    const { OcisignError } = await import('../../core/errors.ts');
    throw new OcisignError('BAD_INPUT', `invalid repository ${JSON.stringify(value)}: must not have a tag or digest`);
  }
  const { repositoryOnly } = await import('../../oci/reference.ts');
  return repositoryOnly(ref);
}
