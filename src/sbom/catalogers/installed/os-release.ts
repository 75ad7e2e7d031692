/** The operating system from `etc/os-release` (following its symlink) or `usr/lib/os-release`. */
import type { OperatingSystem } from '../../model.ts';
import { decodeUtf8 } from './cataloger.ts';

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'] as const;

export function isOsReleasePath(path: string): boolean {
  return path === 'etc/os-release' || path === 'usr/lib/os-release';
}

/** Parse os-release `KEY=value` lines (values optionally quoted, with shell escapes). */
export function parseOsRelease(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of decodeUtf8(data).split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!.trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]!] = value;
  }
  return out;
}

export function toOperatingSystem(fields: Record<string, string>, path: string, layerDigest: string): OperatingSystem | undefined {
  const id = fields.ID?.toLowerCase();
  if (!id) return undefined;
  const os: OperatingSystem = { id, location: { path, layerDigest } };
  if (fields.VERSION_ID) os.versionId = fields.VERSION_ID;
  if (fields.PRETTY_NAME) os.prettyName = fields.PRETTY_NAME;
  if (fields.VERSION_CODENAME) os.versionCodename = fields.VERSION_CODENAME;
  return os;
}

/**
 * The purl `distro` qualifier: `<ID>-<VERSION_ID>` as syft writes it (debian-12, alpine-3.20.1). Without a
 * VERSION_ID (Debian testing/sid) the codename is used (debian-trixie), else just the ID.
 */
export function distroQualifier(os: OperatingSystem | undefined): string | undefined {
  if (!os) return undefined;
  const version = os.versionId ?? os.versionCodename;
  return version ? `${os.id}-${version}` : os.id;
}
