/**
 * Bundles the CLI into dist/cli-bundle/ (ESM, code-split: each command's ops load on demand). Start-up then reads a
 * handful of files instead of a few hundred modules. The library build (dist/, tsc) is unchanged.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Bundled CommonJS (undici, yargs' helpers) calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __ocisignCreateRequire } from 'node:module'; const require = __ocisignCreateRequire(import.meta.url);" },
  alias: { 'string-width': './src/cli/string-width-lite.ts' },
  // Large, rarely used, or loading files relative to themselves: left to Node's resolver at run time.
  external: ['sigstore', '@sigstore/*', '@cyclonedx/*', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'xmlbuilder2', '@bufbuild/cel'],
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
});
