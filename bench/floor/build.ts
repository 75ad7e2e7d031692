// Bundles bench/floor/verify-floor.ts the way scripts/bundle.ts bundles the CLI (ESM, undici without HTTP/2),
// plus a loader that turns on Node's compile cache first, as bin/ocisign does. Returns the loader's path.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutHttp2 } from '../../scripts/bundle-plugins.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export function buildVerifyFloor(): Promise<string> {
  return buildFloor('verify-floor');
}

/** bench/floor/sign-floor.ts, bundled the same way. */
export function buildSignFloor(): Promise<string> {
  return buildFloor('sign-floor');
}

async function buildFloor(name: 'verify-floor' | 'sign-floor'): Promise<string> {
  const out = join(root, '.work', 'bench', 'floor');
  await mkdir(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: `bench/floor/${name}.ts` },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    banner: { js: "import { createRequire as __floorCreateRequire } from 'node:module'; const require = __floorCreateRequire(import.meta.url);" },
    plugins: [withoutHttp2],
    logLevel: 'warning',
  });
  const loader = join(out, `run-${name}.mjs`);
  await writeFile(loader, `// as bin/ocisign: the compile cache on first\nimport module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./${name}.js');\n`);
  return loader;
}
