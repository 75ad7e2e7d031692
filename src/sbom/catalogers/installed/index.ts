/** The installed-package catalogers run on image filesystems, in a fixed order. */
import { apkCataloger } from './apk.ts';
import type { InstalledCataloger } from './cataloger.ts';
import { dpkgCataloger } from './dpkg.ts';
import { npmCataloger } from './npm.ts';
import { pythonCataloger } from './python.ts';

export const INSTALLED_CATALOGERS: readonly InstalledCataloger[] = [dpkgCataloger, apkCataloger, npmCataloger, pythonCataloger];

export type { CatalogContext, InstalledCataloger, InstalledFile } from './cataloger.ts';
