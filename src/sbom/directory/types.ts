import type { SbomPackage, SbomWarning } from '../model.ts';

/** What one lockfile parser returns: packages with resolved edges, and the root's direct dependencies. */
export interface LockfileResult {
  packages: SbomPackage[];
  /** purls the project (or workspace root) depends on directly. */
  rootDependsOn: string[];
  warnings: SbomWarning[];
  /** Name/version of the project as the lockfile states it, when it does. */
  project?: { name: string; version?: string; purl?: string };
}

/** Reads a file next to the lockfile (e.g. package.json beside yarn.lock); undefined when absent. */
export type SiblingReader = (name: string) => Promise<string | undefined>;

export interface LockfileInput {
  /** Path relative to the scanned root, `/`-separated. */
  path: string;
  text: string;
  readSibling: SiblingReader;
}

/** A declared-dependency cataloger: a name, the file names it reads, and a parser. */
export interface LockfileCataloger {
  name: string;
  /** purl type of what it finds. */
  type: string;
  matches(basename: string): boolean;
  /** A line-based format: a line over INPUT_LIMITS.maxLineBytes refuses the file before parsing. */
  lineOriented?: boolean;
  parse(input: LockfileInput): Promise<LockfileResult>;
}
