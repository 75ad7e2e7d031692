// Child process for the concurrent-writers test: builds one distinct image and tags it in a shared layout.
import { createLayoutRepository } from '../../../src/oci/layout/layout-repository.ts';
import { buildImage } from '../../../src/oci/image-builder.ts';

const [dir, name, rounds] = process.argv.slice(2) as [string, string, string];
const repo = createLayoutRepository({ kind: 'layout', path: dir });
for (let i = 0; i < Number(rounds); i++) {
  const img = await buildImage(repo, { layers: [{ files: [{ path: `${name}-${i}.txt`, content: `${name} ${i}\n` }] }] }, `${name}-${i}`);
  process.stdout.write(`${name}-${i} ${img.digest}\n`);
}
