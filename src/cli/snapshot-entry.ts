/**
 * Entry of the V8 start-up snapshot (scripts/bundle.ts → dist/ocisign.blob; bin/ocisign runs
 * `node --snapshot-blob dist/ocisign.blob …` when the blob was built by that Node). At build time this module and
 * everything it imports statically is evaluated and the heap is saved; at run time Node deserializes the heap and
 * calls the function given to `setDeserializeMainFunction`: no module is read, parsed or evaluated for the CLI.
 * Packages left out of the bundle (@sigstore/*, CycloneDX, CEL, ajv) are required at run time from node_modules
 * through `globalThis.__ocisignRequire` (see scripts/bundle.ts).
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { main } from './main.ts';
import { processIo } from './io.ts';
// Evaluated at build time so that no command pays for it at run time (each also loads on demand without this).
import '../ops/digest.ts';
import '../ops/copy.ts';
import '../ops/tree.ts';
import '../ops/triangulate.ts';
import '../ops/sign.ts';
import '../ops/verify.ts';
import '../ops/keys.ts';
import '../sign/key-signer.ts';
import '../sign/password.ts';
import '../oci/registry/registry-repository.ts';
import '../oci/registry/dispatcher.ts';
import '../oci/layout/layout-repository.ts';
import './dispatcher.ts';
import './render-tree.ts';

/** The package root: the blob is `<root>/dist/ocisign.blob`, named by `--snapshot-blob` in execArgv. */
function packageRoot(): string {
  const i = process.execArgv.indexOf('--snapshot-blob');
  const blob = i >= 0 ? process.execArgv[i + 1] : undefined;
  return blob ? resolve(dirname(resolve(blob)), '..') : process.cwd();
}

async function run(): Promise<void> {
  const root = packageRoot();
  const g = globalThis as { __ocisignRequire?: NodeJS.Require; __ocisignMetaUrl?: string };
  g.__ocisignRequire = createRequire(resolve(root, 'package.json'));
  // import.meta.url of every bundled module (scripts/bundle.ts defines it so): where the ESM bundle's entry is.
  g.__ocisignMetaUrl = pathToFileURL(resolve(root, 'dist', 'cli-bundle', 'main.js')).href;
  // Snapshot start: argv is [node, ...args]; the rest of the CLI expects [node, script, ...args].
  process.argv.splice(1, 0, resolve(root, 'bin', 'ocisign'));
  process.exitCode = await main(process.argv.slice(2), processIo);
}

if (!startupSnapshot.isBuildingSnapshot()) throw new Error('snapshot-entry is only an entry for node --build-snapshot');
startupSnapshot.setDeserializeMainFunction(() => {
  void run();
});
