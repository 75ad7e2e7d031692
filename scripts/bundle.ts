/**
 * Bundles the CLI into dist/cli-bundle/ (ESM, code-split: each command's ops load on demand). Start-up then reads a
 * handful of files instead of a few hundred modules. The library build (dist/, tsc) is unchanged.
 *
 * `node scripts/bundle.ts --snapshot` also builds an experimental V8 start-up snapshot, dist/ocisign.blob (see
 * buildSnapshot below). It is NOT part of `npm run build` and bin/ocisign does not use it: measured on Node 24.21 it
 * saves only ~10% on `verify` and costs ~25-85 ms more than the ESM bundle on `--help`/`--version` (README, bench).
 */
import { build, type Plugin } from 'esbuild';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire, isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The registry Agent is HTTP/1.1 only (allowH2: false), so undici's HTTP/2 client (and node:http2) is never used. */
const withoutHttp2: Plugin = {
  name: 'without-http2',
  setup(b) {
    b.onResolve({ filter: /[\\/]client-h2\.js$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/undici/`) ? { path: 'undici-client-h2', namespace: 'ocisign-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'ocisign-stub' }, () => ({
      contents: "module.exports = function connectH2() { throw new Error('HTTP/2 is disabled in ocisign (allowH2: false)'); };",
      loader: 'js',
    }));
  },
};

/** Packages left to Node's resolver at run time (both bundles). */
const EXTERNAL = ['sigstore', '@sigstore/*', '@cyclonedx/*', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'xmlbuilder2', '@bufbuild/cel'];

// Chunk names carry content hashes: start from an empty folder so no stale chunk is left behind.
rmSync(new URL('../dist/cli-bundle', import.meta.url), { recursive: true, force: true });

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
  external: EXTERNAL,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [withoutHttp2],
  legalComments: 'none',
  logLevel: 'warning',
});

/**
 * Built-ins whose bindings a snapshot cannot hold (node:http's HTTPParser, node:tls' JSStream) or that Node flags as
 * unverified in snapshots: replaced by objects with the same keys whose getters load the real module at first use
 * after deserialization. While the snapshot is built, only the values listed in BUILD_VALUES may be read (undici
 * reads them at module load); anything else throws, so a new eager use shows up at build time.
 */
const LAZY_BUILTINS = ['http', 'https', 'tls', 'child_process'];
const BUILD_VALUES: Record<string, Record<string, string>> = {
  // undici compares a body's constructor with it (never true for ocisign's bodies) and checks maxHeaderSize > 0.
  http: { IncomingMessage: 'class IncomingMessageBeforeSnapshot {}', maxHeaderSize: '16384' },
};

function lazyBuiltin(name: string): string {
  const keys = Object.keys(createRequire(import.meta.url)(`node:${name}`) as object);
  const atBuild = Object.entries(BUILD_VALUES[name] ?? {}).map(([k, v]) => `${JSON.stringify(k)}: ${v}`);
  return `const { startupSnapshot } = require('node:v8');
let real;
const atBuild = { ${atBuild.join(', ')} };
const lazy = {};
for (const key of ${JSON.stringify(keys)}) Object.defineProperty(lazy, key, { enumerable: true, get() {
  if (!startupSnapshot.isBuildingSnapshot()) return (real ??= require('node:${name}'))[key];
  if (Object.hasOwn(atBuild, key)) return atBuild[key];
  throw new Error('node:${name}.' + key + ' read while building the snapshot');
} });
module.exports = lazy;
`;
}

const EXTERNAL_RE = new RegExp(`^(${EXTERNAL.map((e) => e.replace('/*', '/.*')).join('|')})(/.*)?$`);

/** What a snapshot needs: no dynamic import(), run-time require() of packages, lazy snapshot-hostile built-ins. */
const forSnapshot: Plugin = {
  name: 'for-snapshot',
  setup(b) {
    // The snapshot's require() knows built-ins only: packages come from globalThis.__ocisignRequire (snapshot-entry.ts).
    b.onResolve({ filter: EXTERNAL_RE }, (a) => ({ path: a.path, namespace: 'ocisign-runtime' }));
    b.onLoad({ filter: /.*/, namespace: 'ocisign-runtime' }, (a) => ({
      contents: `module.exports = globalThis.__ocisignRequire(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
    // A deserialized snapshot has no dynamic-import callback: built-ins imported dynamically become require() calls.
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (a) =>
      a.kind === 'dynamic-import' && isBuiltin(a.path) ? { path: a.path, namespace: 'ocisign-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'ocisign-builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
    b.onResolve({ filter: new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`) }, (a) =>
      a.namespace === 'ocisign-lazy' ? { path: a.path, external: true } : { path: a.path.replace(/^node:/, ''), namespace: 'ocisign-lazy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'ocisign-lazy' }, (a) => ({ contents: lazyBuiltin(a.path), loader: 'js' }));
  },
};

/**
 * dist/ocisign-snapshot.cjs (one CommonJS file, no splitting) → `node --build-snapshot` → dist/ocisign.blob, and
 * dist/ocisign.blob.stamp: "<node version> <inode>.<size>.<mtime of the node binary>". A blob only loads in the
 * exact Node binary that built it, so this must run on the Node that will run the CLI (the node@24 devDependency).
 * Run it: node --snapshot-blob dist/ocisign.blob -- ARGS (the `--` keeps ARGS from being read as Node options).
 */
async function buildSnapshot(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/snapshot-entry.ts'],
    outfile: 'dist/ocisign-snapshot.cjs',
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    // import.meta.url of every bundled module; snapshot-entry.ts points it at dist/cli-bundle/main.js at run time.
    banner: { js: "globalThis.__ocisignMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': 'globalThis.__ocisignMetaUrl' },
    alias: { 'string-width': './src/cli/string-width-lite.ts' },
    plugins: [withoutHttp2, forSnapshot],
    legalComments: 'none',
    logLevel: 'warning',
  });
  const blob = new URL('../dist/ocisign.blob', import.meta.url);
  const made = spawnSync(process.execPath, ['--snapshot-blob', fileURLToPath(blob), '--build-snapshot', fileURLToPath(new URL('../dist/ocisign-snapshot.cjs', import.meta.url))], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  // Node warns about every built-in it has not verified for snapshots; only failures matter.
  if (made.status !== 0) throw new Error(`building the start-up snapshot failed (exit ${made.status}): ${made.stderr.trim()}`);
  const node = statSync(process.execPath);
  writeFileSync(new URL('../dist/ocisign.blob.stamp', import.meta.url), `${process.version} ${node.ino}.${node.size}.${Math.floor(node.mtimeMs / 1000)}\n`);
}

if (process.argv.includes('--snapshot')) await buildSnapshot();
