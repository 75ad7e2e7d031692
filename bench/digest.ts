// `ocisign digest` against `skopeo inspect --format '{{.Digest}}'` on a loopback registry (plain HTTP), same
// image, interleaved runs. Starts its own registry through the test harness.
import { ocisignCommand, skopeoCommand } from '../test/helpers/peers.ts';
import { interopSuite } from '../test/interop/context.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const suite = interopSuite('http');
  const ctx = await suite.ready(['skopeo', 'ocisign']);
  if (typeof ctx === 'string') return [{ title: 'digest of a tag', note: `skipped: ${ctx}` }];
  try {
    const image = await suite.push(ctx, 'bench-digest');
    const ours = await ocisignCommand(['digest', ...ctx.ocisignFlags, image.tagRef]);
    const peer = await skopeoCommand(['inspect', ...ctx.skopeoInspectFlags, '--format', '{{.Digest}}', `docker://${image.tagRef}`]);
    return [
      await compare(
        'digest of a tag',
        { name: 'ocisign digest', ...ours },
        { name: 'skopeo inspect', ...peer },
        options,
      ),
    ];
  } finally {
    await suite.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
