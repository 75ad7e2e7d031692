/**
 * Every command of the CLI, one file each. To add one: create `./<name>.ts` exporting a yargs CommandModule
 * whose handler calls `runCommand(argv, async (ctx, args) => { const { op } = await import('../../ops/x.ts'); … })`
 * (lazy import: start-up stays fast), then add one line here. `withCommonHelp` gives each command `-o, --output`
 * (unless it declares its own) and orders its help: positionals, its own options, then the global ones.
 */
import type { Argv, CommandModule } from 'yargs';
import { helpHint, outputOption } from '../global-options.ts';
import { copyCommand } from './copy.ts';
import { digestCommand } from './digest.ts';
import { signCommand } from './sign.ts';
import { verifyCommand } from './verify.ts';
import { treeCommand } from './tree.ts';
import { triangulateCommand } from './triangulate.ts';
import { generateKeyPairCommand } from './generate-key-pair.ts';
import { importKeyPairCommand } from './import-key-pair.ts';
import { publicKeyCommand } from './public-key.ts';
import { attachCommand } from './attach.ts';
import { downloadCommand } from './download.ts';
import { attestCommand } from './attest.ts';
import { verifyAttestationCommand } from './verify-attestation.ts';
import { releaseCommand } from './release.ts';
import { sbomCommand } from './sbom.ts';
import { manifestCommand } from './manifest.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = ([
  digestCommand,
  triangulateCommand,
  treeCommand,
  copyCommand,
  generateKeyPairCommand,
  importKeyPairCommand,
  publicKeyCommand,
  signCommand,
  verifyCommand,
  sbomCommand,
  attachCommand,
  downloadCommand,
  attestCommand,
  verifyAttestationCommand,
  releaseCommand,
  manifestCommand,
] as CommandModule<any, any>[]).map(withCommonHelp);

/** Keys yargs lists in groups of its own, or never as a command's option. */
const NOT_OWN = new Set(['help', 'version', '_', '$0']);

/** What yargs knows about declared options (not in @types/yargs). */
interface DeclaredOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  default: Record<string, unknown>;
  choices: Record<string, unknown[]>;
  boolean: string[];
  demandedOptions: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgv = Argv<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type YargsInternals = AnyArgv & { getOptions(): DeclaredOptions; getGroups(): Record<string, string[]>; getDemandedOptions(): Record<string, unknown>; getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } } };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withCommonHelp(command: CommandModule<any, any>): CommandModule<any, any> {
  const builder = command.builder;
  return {
    ...command,
    builder: (y: AnyArgv) => {
      let b = (typeof builder === 'function' ? builder(y) : builder ? y.options(builder) : y) as YargsInternals;
      if (!('output' in b.getOptions().key)) b = b.option('output', outputOption('text')) as YargsInternals;
      const groups = b.getGroups();
      const grouped = new Set(Object.values(groups).flat());
      const options = b.getOptions();
      const aliases = new Set(Object.values(options.alias).flat());
      const own = Object.keys(options.key).filter((k) => !grouped.has(k) && !NOT_OWN.has(k) && !aliases.has(k));
      const descriptions = b.getInternalMethods().getUsageInstance().getDescriptions();
      const demanded = b.getDemandedOptions();
      for (const key of [...own, ...(groups['Positionals:'] ?? [])]) {
        const hint = helpHint(options.default[key], options.choices[key], key in demanded && !(groups['Positionals:'] ?? []).includes(key));
        if (hint) b = b.describe(key, `${descriptions[key] ?? ''} ${hint}`.trim()) as YargsInternals;
        // A required variadic positional (`<images..>`) gets yargs' default [], which help would show.
        if (Array.isArray(options.default[key])) b = b.default(key, undefined) as YargsInternals;
      }
      return b.group(own, 'Options:');
    },
  };
}
