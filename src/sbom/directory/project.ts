/**
 * The scanned project as `metadata.component`: name and version from the root's package.json, pyproject.toml,
 * Cargo.toml, composer.json or go.mod (first found, in that order), else what a lockfile at the root says
 * (package-lock `name`, uv's editable root), else the directory's name.
 */
import { basename, resolve } from 'node:path';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { cargoPurl, composerPurl, golangPurl, npmPurl, pypiPurl } from '../purl.ts';
import type { SbomSubject } from '../model.ts';
import { objOf, parseTomlFile, str } from './toml.ts';
import { readScannedFile, type WarningSink } from './read-file.ts';

type Reader = (name: string) => Promise<string | undefined>;

export async function describeProject(root: string, fromLockfile?: { name: string; version?: string; purl?: string }, warn: WarningSink = () => {}): Promise<SbomSubject> {
  const read: Reader = (name) => readScannedFile(root, name, warn);
  for (const probe of [fromPackageJson, fromPyproject, fromCargoToml, fromComposerJson, fromGoMod]) {
    const found = await probe(read);
    if (found) return found;
  }
  if (fromLockfile) {
    const s: SbomSubject = { kind: 'directory', name: fromLockfile.name };
    if (fromLockfile.version) s.version = fromLockfile.version;
    if (fromLockfile.purl) s.purl = fromLockfile.purl;
    return s;
  }
  return { kind: 'directory', name: basename(resolve(root)) || root };
}

function subject(name: string, version: string | undefined, purl: (n: string, v: string) => string): SbomSubject {
  const s: SbomSubject = { kind: 'directory', name };
  if (version) {
    s.version = version;
    s.purl = purl(name, version);
  }
  return s;
}

function json(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const r = parseBoundedJson(text);
  return r.ok ? objOf(r.value) : undefined;
}

async function fromPackageJson(read: Reader): Promise<SbomSubject | undefined> {
  const pkg = json(await read('package.json'));
  const name = str(pkg?.name);
  return name ? subject(name, str(pkg?.version), npmPurl) : undefined;
}

async function fromPyproject(read: Reader): Promise<SbomSubject | undefined> {
  const text = await read('pyproject.toml');
  if (text === undefined) return undefined;
  const doc = parseTomlFile('pyproject.toml', text);
  if ('warning' in doc) return undefined;
  const project = objOf(doc.value.project);
  const poetry = objOf(objOf(doc.value.tool).poetry);
  const name = str(project.name) ?? str(poetry.name);
  return name ? subject(name, str(project.version) ?? str(poetry.version), pypiPurl) : undefined;
}

async function fromCargoToml(read: Reader): Promise<SbomSubject | undefined> {
  const text = await read('Cargo.toml');
  if (text === undefined) return undefined;
  const doc = parseTomlFile('Cargo.toml', text);
  if ('warning' in doc) return undefined;
  const pkg = objOf(doc.value.package);
  const name = str(pkg.name);
  return name ? subject(name, str(pkg.version), cargoPurl) : undefined;
}

async function fromComposerJson(read: Reader): Promise<SbomSubject | undefined> {
  const pkg = json(await read('composer.json'));
  const name = str(pkg?.name);
  return name ? subject(name, str(pkg?.version), composerPurl) : undefined;
}

async function fromGoMod(read: Reader): Promise<SbomSubject | undefined> {
  const text = await read('go.mod');
  const m = text === undefined ? null : /^\s*module\s+"?([^\s"]+)"?/m.exec(text);
  return m ? { kind: 'directory', name: m[1]!, purl: golangPurl(m[1]!) } : undefined;
}
