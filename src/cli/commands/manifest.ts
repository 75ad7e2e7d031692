import type { CommandModule } from 'yargs';
import { outputOption } from '../global-options.ts';
import { EXIT_CODES, OcisignError, type ErrorCode } from '../../core/errors.ts';
import type { CliContext, GlobalArgs } from '../context.ts';
import type { CliIo } from '../io.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { identityFlagOptions, signatureFlagOptions, verificationTrust, type IdentityArgs, type SignatureFlagArgs } from './identity-flags.ts';
import { ioOf, parseAnnotationFlags } from './image-args.ts';
import type { ManifestReport, VerifyManifestsOptions } from '../../ops/manifest-verify.ts';

interface ManifestVerifyArgs extends GlobalArgs, IdentityArgs, SignatureFlagArgs {
  /** The positionals: `manifest`, `verify`, then the PATHs (see the command's builder). */
  _: (string | number)[];
  'max-workers': number;
  policy?: string;
  pin?: boolean;
  'max-input-bytes': number;
}

const manifestVerifyCommand: CommandModule<GlobalArgs, ManifestVerifyArgs> = {
  // The PATHs are not a declared positional: yargs drops a lone `-` from declared positionals (it re-parses them
  // as `--paths -`), so they are read from `_`, and only unknown options (not extra positionals) are errors.
  command: 'verify',
  describe: 'Verify every image that Kubernetes or Compose manifests run (files, directories, - for stdin); --pin prints them pinned to the verified digests',
  builder: (y) =>
    signatureFlagOptions(identityFlagOptions(y)
      .usage('$0 manifest verify [flags] PATH…\n\nPATH: a manifest file, a directory (*.yaml, *.yml, *.json, recursively) or - for standard input')
      .strict(false)
      .strictOptions())
      .option('output', outputOption('text', 'text: one line per image; json: the report as data'))
      .option('max-workers', { type: 'number', default: 16, describe: 'images resolved and verified at once' })
      .option('policy', { type: 'string', describe: 'policy file: keys, identities, attestations, CEL conditions, and per-image rules (images:)' })
      .option('pin', { type: 'boolean', default: false, describe: 'when every image passes, print the manifests with each image pinned to name[:tag]@sha256:<verified digest>; the report goes to stderr' })
      .option('max-input-bytes', { type: 'number', default: 16 * 1024 * 1024, describe: 'largest manifest file (or stdin) read' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<ManifestVerifyArgs>, async (ctx, args) => {
      const paths = args._.slice(2).map(String);
      if (paths.length === 0) throw new OcisignError('USAGE', 'manifest verify: no PATH given (a file, a directory, or - for standard input)');
      const { verifyManifests } = await import('../../ops/manifest-verify.ts');
      const io = ioOf(args);
      const ignoreTlog = args['insecure-ignore-tlog'] === true;
      const trust = await trustOptions(ctx, args, ignoreTlog);
      if (ignoreTlog) io.stderr('WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.');
      const repository = args.repository ?? ctx.env.COSIGN_REPOSITORY;
      const report = await verifyManifests({
        inputs: paths,
        ...(paths.includes('-') ? { stdin: process.stdin } : {}),
        trust,
        open: async (ref) => ctx.open(ref),
        ...(repository ? { signatureRepository: repository } : {}),
        maxWorkers: Math.max(1, args['max-workers'] || 16),
        pin: args.pin === true,
        limits: { maxInputBytes: positive(args['max-input-bytes'], '--max-input-bytes') },
      });
      printReport(report, io, ctx.output, args.pin === true);
    }),
};

export const manifestCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'manifest',
  describe: 'Work on the images of Kubernetes or Compose manifests (cosign manifest)',
  builder: (y) => y.command(manifestVerifyCommand).demandCommand(1, 'manifest: say what to do (verify)'),
  handler: () => {},
};

/** `--policy` (plus any --key / identity flags), else the flags as `verify` reads them. */
async function trustOptions(ctx: CliContext, args: ManifestVerifyArgs, ignoreTlog: boolean): Promise<VerifyManifestsOptions['trust']> {
  const { loadVerifiers } = await import('./verify-attestation.ts');
  const verifiers = await loadVerifiers(args.key);
  if (args.policy !== undefined) {
    const { loadPolicyWithKeys } = await import('../../ops/policy.ts');
    const { policy, verifiers: policyVerifiers } = await loadPolicyWithKeys(args.policy);
    const trust = await verificationTrust(ctx, args, { keyless: verifiers.length + policyVerifiers.length === 0, policy });
    return { policy: { policy, policyVerifiers, verifiers, ...trust, ignoreTlog } };
  }
  const trust = await verificationTrust(ctx, args, { keyless: verifiers.length === 0 });
  return {
    verify: {
      verifiers,
      annotations: await parseAnnotationFlags(args.annotations),
      ignoreTlog,
      checkDockerReference: args['check-docker-reference'] === true,
      ...trust,
    },
  };
}

function positive(value: number, flag: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new OcisignError('USAGE', `${flag} must be a positive integer`);
  return value;
}

/**
 * The report: one line per image on stdout (stderr with --pin, where stdout carries the manifests), or the JSON
 * report; a summary on stderr. Any failure ends the run with the worst failure's exit code.
 */
function printReport(report: ManifestReport, io: CliIo, output: 'text' | 'json', pin: boolean): void {
  const toReport = pin ? (text: string) => { for (const line of text.replace(/\n$/, '').split('\n')) io.stderr(line); } : io.stdout;
  if (output === 'json') toReport(`${JSON.stringify({ images: report.images, documents: report.documents }, null, 2)}\n`);
  else if (report.images.length > 0) toReport(`${formatReportLines(report).join('\n')}\n`);
  for (const line of summary(report)) io.stderr(`ocisign: ${line}`);
  if (report.pinned) io.stdout(report.pinned.stream);
  if (!report.ok) {
    const failed = report.images.filter((i) => !i.verified && !i.allowed).length;
    const code = (Object.keys(EXIT_CODES) as ErrorCode[]).find((c) => EXIT_CODES[c] === report.exitCode) ?? 'INTERNAL';
    throw new OcisignError(code, `${failed} of ${report.images.length} images failed verification${pin ? '; nothing pinned' : ''}`);
  }
}

/** `verified IMAGE DIGEST (files)`, `FAILED IMAGE DIGEST (files): why`, `allowed …` (unverified, by the policy). */
function formatReportLines(report: ManifestReport): string[] {
  const lines: string[] = [];
  for (const i of report.images) {
    const head = `${i.image} ${i.digest ?? '-'} (${i.files.join(', ')})`;
    const rule = i.rule ? ` [${i.rule}]` : '';
    if (i.verified) lines.push(`verified ${head}${rule}`);
    else if (i.allowed) lines.push(`allowed  ${head}: no policy rule matches; not verified (noMatchPolicy: allow)`);
    else {
      lines.push(`FAILED   ${head}: ${i.error ?? 'not verified'}`);
      for (const d of i.details ?? []) lines.push(`  ${d}`);
    }
  }
  return lines;
}

function summary(report: ManifestReport): string[] {
  const d = report.documents;
  const verified = report.images.filter((i) => i.verified).length;
  const allowed = report.images.filter((i) => i.allowed).length;
  const failed = report.images.length - verified - allowed;
  const counts = [`${verified} verified`, ...(allowed ? [`${allowed} allowed unverified`] : []), ...(failed ? [`${failed} failed`] : [])];
  const out = [
    report.images.length === 0
      ? `no images found in ${d.files} file${d.files === 1 ? '' : 's'} (${d.resources} resources)`
      : `${report.images.length} image${report.images.length === 1 ? '' : 's'} in ${d.withImages} of ${d.resources} resources, ${d.files} file${d.files === 1 ? '' : 's'}: ${counts.join(', ')}`,
  ];
  const skipped = Object.entries(d.skipped);
  if (skipped.length > 0) out.push(`not searched for images: ${skipped.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  if (d.builtLocally > 0) out.push(`${d.builtLocally} compose service${d.builtLocally === 1 ? '' : 's'} built locally (build: without image:), not verified`);
  return out;
}
