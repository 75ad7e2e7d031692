/**
 * Every command of the CLI, one file each. To add one: create `./<name>.ts` exporting a yargs CommandModule
 * whose handler calls `runCommand(argv, async (ctx, args) => { const { op } = await import('../../ops/x.ts'); … })`
 * (lazy import: start-up stays fast), then add one line here.
 */
import type { CommandModule } from 'yargs';
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
export const commands: CommandModule<any, any>[] = [
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
];
