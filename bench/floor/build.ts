// Bundles bench/floor/verify-floor.ts the way scripts/bundle.ts bundles the CLI (ESM, undici without HTTP/2; or
// node:http in undici's place),
// plus a loader that turns on Node's compile cache first, as bin/ocisign does. Returns the loader's path.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutHttp2 } from '../../scripts/bundle-plugins.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type FloorTransport = 'undici' | 'node-http';

/** The floor bundled with `transport` (undici, as ocisign; or node:http); the path of its loader. */
export async function buildVerifyFloor(transport: FloorTransport = 'undici'): Promise<string> {
  const out = join(root, '.work', 'bench', 'floor');
  const name = transport === 'undici' ? 'verify-floor' : `verify-floor-${transport}`;
  await mkdir(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: 'bench/floor/verify-floor.ts' },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // the other transport's import is dead code, so it is not bundled
    define: { 'process.env.FLOOR_TRANSPORT': JSON.stringify(transport) },
    banner: { js: "import { createRequire as __floorCreateRequire } from 'node:module'; const require = __floorCreateRequire(import.meta.url);" },
    plugins: [withoutHttp2],
    logLevel: 'warning',
  });
  const loader = join(out, transport === 'undici' ? 'run.mjs' : `run-${transport}.mjs`);
  await writeFile(loader, `// as bin/ocisign: the compile cache on first\nimport module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./${name}.js');\n`);
  return loader;
}
