export { LOCKFILE_CATALOGERS } from './catalogers.ts';
export { scanDirectory } from './scan.ts';
export type { DirectoryScanOptions } from './scan.ts';
export type { LockfileCataloger, LockfileResult } from './types.ts';
