/**
 * `--pin`: rewrite each image to `name[:tag]@sha256:…` by replacing only the bytes of the image scalars (their
 * source ranges from the YAML parser), so comments, order, quoting and indentation stay exactly as written. The
 * result is parsed again and must name exactly the expected images in the same places, else nothing is printed.
 */
import { OcisignError } from '../core/errors.ts';
import type { ImageSite } from './find-images.ts';
import { scanManifest, type ScanOptions } from './scan.ts';

/** `name[:tag]@digest`; a reference that already names a digest is kept as written (that digest was verified). */
export function pinnedReference(written: string, digest: string): string {
  return written.includes('@') ? written : `${written}@${digest}`;
}

/** The file's text with every site's image replaced by `pinned(site)`. */
export function pinText(file: string, text: string, sites: readonly ImageSite[], pinned: (site: ImageSite) => string, options: ScanOptions = {}): string {
  const ordered = [...new Map(sites.map((s) => [s.start, s])).values()].sort((a, b) => b.start - a.start);
  let out = text;
  for (const site of ordered) out = out.slice(0, site.start) + render(site, pinned(site), text) + out.slice(site.end);
  const check = scanManifest(file, out, options);
  const expected = sites.map(pinned);
  const found = check.sites.map((s) => s.image);
  if (found.length !== expected.length || found.some((image, i) => image !== expected[i])) {
    throw new OcisignError('INTERNAL', `pinning ${file}: the rewritten manifest does not name the expected images (${found.join(', ')})`);
  }
  return out;
}

function render(site: ImageSite, value: string, text: string): string {
  switch (site.style) {
    case 'plain':
      return value;
    case 'single':
      return `'${value.replaceAll("'", "''")}'`;
    case 'double':
      return JSON.stringify(value);
    case 'alias':
      return JSON.stringify(value);
    case 'block': {
      // a block scalar's range runs to the end of its last line; keep the line break after the new flow scalar
      const original = text.slice(site.start, site.end);
      return JSON.stringify(value) + (original.endsWith('\n') ? '\n' : '');
    }
  }
}

/**
 * Several pinned files as one YAML stream for `kubectl apply -f -`: each file as written, a `---` line between
 * files unless the next one starts with its own `---` (or `...` before one that starts with a `%` directive).
 */
export function joinStream(texts: readonly string[]): string {
  let out = '';
  for (const [i, text] of texts.entries()) {
    const first = firstSignificantLine(text);
    if (i > 0 && !/^---(\s|$)/.test(first)) out += first.startsWith('%') ? '...\n' : '---\n';
    out += text.endsWith('\n') || text === '' ? text : `${text}\n`;
  }
  return out;
}

function firstSignificantLine(text: string): string {
  for (const line of text.split('\n', 1000)) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) return line;
  }
  return '';
}
