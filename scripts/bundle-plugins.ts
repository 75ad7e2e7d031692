// esbuild plugins shared by the CLI bundle (scripts/bundle.ts) and the benchmark floor (bench/floor/build.ts).
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { transformSync, type Plugin } from 'esbuild';

/** The registry Agent is HTTP/1.1 only (allowH2: false), so undici's HTTP/2 client (and node:http2) is never used. */
export const withoutHttp2: Plugin = {
  name: 'without-http2',
  setup(b) {
    b.onResolve({ filter: /[\\/]client-h2\.js$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/undici/`) ? { path: 'undici-client-h2', namespace: 'ocisign-stub' } : undefined,
    );
    // The AWS KMS client (src/kms/aws-kms.ts) uses the SDK's HTTP/1.1 handler; its HTTP/2 handler sits in the same
    // module and would load node:http2 for nothing.
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/@smithy/node-http-handler/`) ? { path: 'smithy-http2', namespace: 'ocisign-stub' } : undefined,
    );
    b.onLoad({ filter: /^undici-client-h2$/, namespace: 'ocisign-stub' }, () => ({
      contents: "module.exports = function connectH2() { throw new Error('HTTP/2 is disabled in ocisign (allowH2: false)'); };",
      loader: 'js',
    }));
    b.onLoad({ filter: /^smithy-http2$/, namespace: 'ocisign-stub' }, () => ({
      contents: "module.exports = { constants: {}, connect() { throw new Error('HTTP/2 is disabled in ocisign'); } };",
      loader: 'js',
    }));
  },
};

/**
 * Turns `import('./x.ts')` in our own sources into a static import, except for targets under `lazy` (paths from
 * `root`, a trailing `/` for a folder). esbuild gives every dynamic import its own chunk, plus a chunk for each set
 * of them sharing code; a bundle for one job (`verify`) then loads dozens of small files where a few would do.
 * Each file is first compiled to JavaScript (types and comments gone), so only real calls with a string-literal
 * specifier are left to rewrite.
 */
export function eagerImports(root: string, lazy: readonly string[]): Plugin {
  // compiled as the build compiles it (verbatimModuleSyntax, target)
  const tsconfigRaw = readFileSync(resolve(root, 'tsconfig.json'), 'utf8');
  return {
    name: 'eager-imports',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        const { code } = transformSync(readFileSync(args.path, 'utf8'), { loader: 'ts', format: 'esm', tsconfigRaw, sourcefile: args.path });
        const statics: string[] = [];
        const contents = code.replace(/\bimport\((['"])(\.{1,2}\/[^'"]+\.ts)\1\)/g, (call, _quote, specifier: string) => {
          const target = relative(root, resolve(dirname(args.path), specifier)).split(sep).join('/');
          if (lazy.some((l) => (l.endsWith('/') ? target.startsWith(l) : target === l))) return call;
          const name = `__eager${statics.length}`;
          statics.push(`import * as ${name} from ${JSON.stringify(specifier)};`);
          return `Promise.resolve(${name})`;
        });
        return { contents: `${statics.join('\n')}\n${contents}`, loader: 'js' };
      });
    },
  };
}
