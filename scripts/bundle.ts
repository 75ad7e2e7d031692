/**
 * Bundles the CLI into dist/cli-bundle/ (ESM, code-split: each command's ops load on demand). Start-up then reads a
 * handful of files instead of a few hundred modules. The library build (dist/, tsc) is unchanged.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { eagerImports, withoutHttp2 } from './bundle-plugins.ts';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Chunk names carry content hashes: start from an empty folder so no stale chunk is left behind.
rmSync(new URL('../dist/cli-bundle', import.meta.url), { recursive: true, force: true });
rmSync(new URL('../dist/cli-verify', import.meta.url), { recursive: true, force: true });

/**
 * yargs renders the whole help text after parsing every command run and caches it, only so that a handler could
 * later print help: ~40 ms of CPU per run (20% of a layout `verify`). ocisign never prints help from a handler
 * (showHelpOnFail is off; `--help` takes another path), so the bundle drops that one call. The build fails if the
 * line is not found, so a yargs upgrade cannot silently change this.
 */
const withoutHelpCache: Plugin = {
  name: 'without-help-cache',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const call = 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();';
      if (!source.includes(call)) throw new Error(`${args.path}: cacheHelpMessage call not found; review scripts/bundle.ts for this yargs version`);
      return { contents: source.replace(call, '/* help cache dropped by scripts/bundle.ts */'), loader: 'js' };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Bundled CommonJS (undici, yargs' helpers) calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __ocisignCreateRequire } from 'node:module'; const require = __ocisignCreateRequire(import.meta.url);" },
  alias: { 'string-width': './src/cli/string-width-lite.ts' },
  // Large, rarely used, or loading files relative to themselves: left to Node's resolver at run time.
  external: ['sigstore', '@sigstore/sign', '@sigstore/tuf', '@sigstore/mock', '@cyclonedx/*', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'xmlbuilder2', '@bufbuild/cel', 'pkcs11js'],
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli-bundle',
  plugins: [withoutHttp2, withoutHelpCache],
});

/**
 * `verify` without yargs (src/cli/fast-verify.ts, what a deploy gate runs) is its own bundle, and in it the modules
 * every verify runs are imported statically (eagerImports): ~10 files at start-up instead of ~60, each a module
 * Node resolves, reads and links (~0.4 ms apiece). What only some verifies need stays a lazy chunk: keyless and
 * transparency-log checks, KMS and PKCS#11 keys, encrypted private keys, credential helpers, policies.
 */
await build({
  ...common,
  entryPoints: { 'fast-verify': 'src/cli/fast-verify.ts' },
  outdir: 'dist/cli-verify',
  plugins: [
    withoutHttp2,
    eagerImports(root, [
      'src/verify/sigstore-steps.ts',
      'src/sigstore/trusted-root.ts',
      'src/verify/identity.ts',
      'src/kms/aws-kms.ts',
      'src/pkcs11/',
      'src/sign/encrypted-key.ts',
      'src/oci/registry/credential-helper.ts',
      'src/cli/commands/verify-policy.ts',
    ]),
  ],
});
