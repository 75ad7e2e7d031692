// Bundles bench/floor/verify-floor.ts the way scripts/bundle.ts bundles the CLI (ESM, undici without HTTP/2),
// plus a loader that turns on Node's compile cache first, as bin/ocisign does. Returns the loader's path.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutHttp2 } from '../../scripts/bundle-plugins.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function buildVerifyFloor(): Promise<string> {
  const out = join(root, '.work', 'bench', 'floor');
  await mkdir(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { 'verify-floor': 'bench/floor/verify-floor.ts' },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    banner: { js: "import { createRequire as __floorCreateRequire } from 'node:module'; const require = __floorCreateRequire(import.meta.url);" },
    plugins: [withoutHttp2],
    logLevel: 'warning',
  });
  const loader = join(out, 'run.mjs');
  await writeFile(loader, "// as bin/ocisign: the compile cache on first\nimport module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./verify-floor.js');\n");
  return loader;
}
