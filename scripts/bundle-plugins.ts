// esbuild plugins shared by the CLI bundle (scripts/bundle.ts) and the benchmark floor (bench/floor/build.ts).
import type { Plugin } from 'esbuild';

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
