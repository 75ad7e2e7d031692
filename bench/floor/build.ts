// Bundles bench/floor/verify-floor.ts (and sign-floor.ts) the way scripts/bundle.ts bundles the CLI (ESM, undici without HTTP/2; or
// node:http in undici's place),
// plus a loader that turns on Node's compile cache first, as bin/ocisign does. Returns the loader's path.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutHttp2 } from '../../scripts/bundle-plugins.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type FloorTransport = 'undici' | 'node-http';

/** The verify floor bundled with `transport` (undici, as ocisign; or node:http); the path of its loader. */
export function buildVerifyFloor(transport: FloorTransport = 'undici'): Promise<string> {
  return buildFloor('verify-floor', transport);
}

/** bench/floor/sign-floor.ts, bundled the same way (undici). */
export function buildSignFloor(): Promise<string> {
  return buildFloor('sign-floor', 'undici');
}

async function buildFloor(source: 'verify-floor' | 'sign-floor', transport: FloorTransport): Promise<string> {
  const out = join(root, '.work', 'bench', 'floor');
  const name = transport === 'undici' ? source : `${source}-${transport}`;
  await mkdir(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: `bench/floor/${source}.ts` },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // the other transport's import is dead code, so it is not bundled
    define: { 'process.env.FLOOR_TRANSPORT': JSON.stringify(transport) },
    banner: { js: "import { createRequire as __floorCreateRequire } from 'node:module'; const require = __floorCreateRequire(import.meta.url);" },
    plugins: [withoutHttp2],
    // as scripts/bundle.ts: no license comments, so the bundle is ASCII and V8 keeps its source one byte per character
    legalComments: 'none',
    logLevel: 'warning',
  });
  const loader = join(out, `run-${name}.mjs`);
  await writeFile(loader, `// as bin/ocisign: the compile cache on first\nimport module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./${name}.js');\n`);
  return loader;
}
