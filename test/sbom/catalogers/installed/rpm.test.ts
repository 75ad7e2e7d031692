import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { scanImageLayers } from '../../../../src/sbom/image/scan-image.ts';
import { parseRpmHeader } from '../../../../src/sbom/catalogers/installed/rpm.ts';
import { concat, tarLayer } from '../../../helpers/sbom-images.ts';

/** An rpm header blob: [tag, type, value] with type 6 = string, 4 = int32. */
function header(entries: [number, 4 | 6, string | number][]): Uint8Array {
  const index: Uint8Array[] = [];
  const data: number[] = [];
  for (const [tag, type, value] of entries) {
    while (type === 4 && data.length % 4 !== 0) data.push(0);
    const e = new DataView(new ArrayBuffer(16));
    e.setUint32(0, tag);
    e.setUint32(4, type);
    e.setUint32(8, data.length);
    e.setUint32(12, 1);
    index.push(new Uint8Array(e.buffer));
    if (type === 4) data.push(((value as number) >>> 24) & 255, ((value as number) >>> 16) & 255, ((value as number) >>> 8) & 255, (value as number) & 255);
    else data.push(...new TextEncoder().encode(String(value)), 0);
  }
  const head = new DataView(new ArrayBuffer(8));
  head.setUint32(0, entries.length);
  head.setUint32(4, data.length);
  return concat([new Uint8Array(head.buffer), ...index, new Uint8Array(data)]);
}

const pkg = (name: string, version: string, release: string, arch: string, epoch?: number): Uint8Array =>
  header([
    [1000, 6, name],
    [1001, 6, version],
    [1002, 6, release],
    ...(epoch === undefined ? [] : ([[1003, 4, epoch]] as [number, 4, number][])),
    [1014, 6, 'MIT'],
    [1022, 6, arch],
    [1044, 6, `${name}-${version}-${release}.src.rpm`],
  ]);

function rpmdb(blobs: Uint8Array[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'rpmdb-test-'));
  try {
    const file = join(dir, 'rpmdb.sqlite');
    const db = new DatabaseSync(file);
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (const b of blobs) insert.run(b);
    db.close();
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('rpm header blobs parse', () => {
  assert.deepEqual(parseRpmHeader(pkg('bash', '5.2.26', '3.fc40', 'x86_64', 2)), {
    name: 'bash',
    version: '5.2.26',
    release: '3.fc40',
    epoch: 2,
    license: 'MIT',
    arch: 'x86_64',
    sourceRpm: 'bash-5.2.26-3.fc40.src.rpm',
  });
});

test('rpmdb.sqlite: packages with epoch qualifier and distro; BDB Packages is a warning', async () => {
  const layer = tarLayer([
    { path: 'etc/os-release', content: 'ID="fedora"\nVERSION_ID=40\n' },
    { path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: rpmdb([pkg('bash', '5.2.26', '3.fc40', 'x86_64'), pkg('shadow-utils', '4.15.1', '3.fc40', 'x86_64', 2), header([[1000, 6, 'gpg-pubkey'], [1001, 6, 'a15b79cc'], [1002, 6, '63d04c2c']])]) },
    { path: 'var/lib/rpm/Packages', content: 'bdb bytes' },
  ]);
  const r = await scanImageLayers({ layers: [layer] });
  assert.deepEqual(r.packages.map((p) => p.purl), [
    'pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&distro=fedora-40',
    'pkg:rpm/fedora/shadow-utils@4.15.1-3.fc40?arch=x86_64&distro=fedora-40&epoch=2',
  ]);
  assert.deepEqual(r.packages[0]!.licenses, ['MIT']);
  assert.deepEqual(r.warnings, [
    { subject: `var/lib/rpm/Packages in layer ${layer.digest}`, reason: 'Berkeley DB / NDB rpm databases are not supported (no maintained reader); skipped' },
  ]);
});
