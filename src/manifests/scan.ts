/**
 * One manifest file → the images it names. YAML (JSON is read as YAML, so positions work the same) is parsed one
 * document at a time, so memory holds the text and one document tree, and each tree is dropped once searched.
 * Hostile input is refused naming the file and line (BAD_INPUT, exit 3): syntax errors, duplicate keys, an alias
 * with no anchor, and alias expansion beyond `maxAliasCount` (a "billion laughs" bomb is tiny on disk and
 * exponential once expanded; the limit is the one the `yaml` package applies when converting to values).
 */
import { Composer, LineCounter, Parser, visit, type Document } from 'yaml';
import { OcisignError, describeError } from '../core/errors.ts';
import { findImages, type DocumentTally, type ImageSite } from './find-images.ts';

export interface FileScan {
  file: string;
  sites: ImageSite[];
  tally: DocumentTally;
  /** YAML documents in the file (including empty ones). */
  documents: number;
}

export interface ScanOptions {
  /** Most alias expansions in one document (the `yaml` package's measure); default 100. */
  maxAliasCount?: number;
}

export function scanManifest(file: string, text: string, options: ScanOptions = {}): FileScan {
  const lines = new LineCounter();
  const lineOf = (offset: number) => lines.linePos(offset).line;
  const tally: DocumentTally = { resources: 0, withImages: 0, skipped: new Map(), builtLocally: 0 };
  const sites: ImageSite[] = [];
  let documents = 0;
  const composer = new Composer({ uniqueKeys: true, strict: true });
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text), false, text.length)) {
    documents++;
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new OcisignError('BAD_INPUT', `manifest ${file}:${line}:${col}: YAML syntax error: ${firstLine(error.message)}`);
    }
    checkAliases(doc, options.maxAliasCount ?? 100, () => `manifest ${file}:${lineOf(doc.range[0])}: document ${documents}`);
    findImages({ doc, file, lineOf, sites, tally });
  }
  return { file, sites, tally, documents };
}

/**
 * Documents with aliases are expanded once, bounded: kubectl would expand them, and a gate should refuse what
 * would exhaust the deployer. Documents without aliases (nearly all) skip the conversion.
 */
function checkAliases(doc: Document, maxAliasCount: number, where: () => string): void {
  let hasAlias = false;
  visit(doc, {
    Alias() {
      hasAlias = true;
      return visit.BREAK;
    },
  });
  if (!hasAlias) return;
  try {
    doc.toJS({ maxAliasCount });
  } catch (err) {
    const why = err instanceof RangeError && /call stack/i.test(err.message) ? 'nested too deeply' : describeError(err);
    const bomb = /excessive alias count/i.test(why) ? `more than ${maxAliasCount} alias expansions (an alias bomb?)` : why;
    throw new OcisignError('BAD_INPUT', `${where()}: ${bomb}`, { cause: err });
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
