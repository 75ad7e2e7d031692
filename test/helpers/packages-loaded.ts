// Which node_modules packages a CLI run loads: each one costs every run, so tests keep the heavy ones off the common
// paths (test/sign/lazy-modules.test.ts, test/verify/lazy-modules.test.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs the CLI from source in a child process with `env`; returns its exit code and the packages it loaded. */
export async function packagesLoaded(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; packages: string[] }> {
  const script = `
    import module from 'node:module';
    const seen = new Set();
    module.registerHooks({ resolve(specifier, context, next) {
      const r = next(specifier, context);
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
      if (m) seen.add(m[1]);
      return r;
    } });
    const { main } = await import(${JSON.stringify(new URL('../../src/cli/main.ts', import.meta.url).href)});
    const code = await main(${JSON.stringify(args)}, { stdout() {}, stderr() {}, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...${JSON.stringify(env)} } });
    console.log(JSON.stringify({ code, packages: [...seen].sort() }));`;
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
  return JSON.parse(stdout) as { code: number; packages: string[] };
}
