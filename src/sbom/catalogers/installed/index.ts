/** The installed-package catalogers run on image filesystems, in a fixed order. */
import { apkCataloger } from './apk.ts';
import type { InstalledCataloger } from './cataloger.ts';
import { dpkgCataloger } from './dpkg.ts';
import { goBinaryCataloger } from './go-binary.ts';
import { javaArchiveCataloger } from './java-archive.ts';
import { npmCataloger } from './npm.ts';
import { pythonCataloger } from './python.ts';
import { rpmCataloger } from './rpm.ts';

/** Path-matched catalogers first; the Go cataloger (any executable) last, so it never takes their files. */
export const INSTALLED_CATALOGERS: readonly InstalledCataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pythonCataloger,
  javaArchiveCataloger,
  goBinaryCataloger,
];

export type { CatalogContext, InstalledCataloger, InstalledFile } from './cataloger.ts';
