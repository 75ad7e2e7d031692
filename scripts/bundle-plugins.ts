// esbuild plugins shared by the CLI bundle (scripts/bundle.ts) and the benchmark floor (bench/floor/build.ts).
import type { Plugin } from 'esbuild';

/** The registry Agent is HTTP/1.1 only (allowH2: false), so undici's HTTP/2 client (and node:http2) is never used. */
export const withoutHttp2: Plugin = {
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
