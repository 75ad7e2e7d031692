import { cargoLockCataloger } from './cargo-lock.ts';
import { composerLockCataloger } from './composer-lock.ts';
import { gemfileLockCataloger } from './gemfile-lock.ts';
import { goModCataloger, goSumCataloger } from './go-mod.ts';
import { npmLockCataloger } from './npm-lock.ts';
import { pnpmLockCataloger } from './pnpm-lock.ts';
import { poetryLockCataloger } from './poetry-lock.ts';
import { pythonRequirementsCataloger } from './python-requirements.ts';
import type { LockfileCataloger } from './types.ts';
import { uvLockCataloger } from './uv-lock.ts';
import { yarnLockCataloger } from './yarn-lock.ts';

/** Every lockfile cataloger, in the order their results are listed. */
export const LOCKFILE_CATALOGERS: readonly LockfileCataloger[] = [
  npmLockCataloger,
  yarnLockCataloger,
  pnpmLockCataloger,
  pythonRequirementsCataloger,
  poetryLockCataloger,
  uvLockCataloger,
  goModCataloger,
  goSumCataloger,
  cargoLockCataloger,
  composerLockCataloger,
  gemfileLockCataloger,
];

