import { OcisignError } from '../../core/errors.ts';
import { repoPath, type RepoContext } from './context.ts';
import { header, readLimited, readPrefix } from './http-body.ts';
import { summarizeErrorBody } from './http-error.ts';
import { pullScope } from './scopes.ts';
import type { RequestSpec } from './session.ts';

interface Page {
  tags: string[];
  next: string | undefined;
  url: URL;
}

const MAX_PAGES = 10_000;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/** Every tag, following `Link: <…>; rel="next"`. An unknown repository (404) and `"tags": null` give []. */
export async function listTags(ctx: RepoContext): Promise<string[]> {
  const tags: string[] = [];
  let target: string | URL = repoPath(ctx, 'tags/list');
  for (let page = 0; page < MAX_PAGES; page++) {
    const spec: RequestSpec = {
      method: 'GET',
      target,
      headers: { accept: 'application/json' },
      scopes: [pullScope(ctx.name)],
      op: 'listing tags of',
      ref: ctx.display,
      idempotent: true,
    };
    const result: Page | undefined = await ctx.session.fetch(spec, [200, 404], async (res) => {
      if (res.statusCode === 404) {
        const summary = summarizeErrorBody(await readPrefix(res.body, ctx.limits.maxErrorBodyBytes));
        if (page === 0) return undefined;
        throw new OcisignError('IO', `listing tags of ${ctx.display}: 404 on page ${page + 1} ${summary}`);
      }
      const bytes = await readLimited(res.body, res.headers, MAX_PAGE_BYTES, `listing tags of ${ctx.display}`);
      return { tags: parsePage(bytes, ctx.display), next: nextLink(header(res.headers, 'link')), url: res.url };
    });
    if (!result) return [];
    tags.push(...result.tags);
    if (!result.next) return tags;
    target = new URL(result.next, result.url);
  }
  throw new OcisignError('IO', `listing tags of ${ctx.display}: more than ${MAX_PAGES} pages`);
}

function parsePage(bytes: Uint8Array, display: string): string[] {
  let doc: { tags?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
  } catch {
    throw new OcisignError('IO', `listing tags of ${display}: invalid JSON`);
  }
  if (doc.tags === null || doc.tags === undefined) return [];
  if (!Array.isArray(doc.tags) || !doc.tags.every((t) => typeof t === 'string')) {
    throw new OcisignError('IO', `listing tags of ${display}: "tags" is not a list of strings`);
  }
  return doc.tags as string[];
}

/** The URL of `rel="next"` in a Link header (RFC 8288), or undefined. */
export function nextLink(value: string | undefined): string | undefined {
  if (!value) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2]!)) return match[1];
  }
  return undefined;
}

