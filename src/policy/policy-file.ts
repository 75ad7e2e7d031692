/**
 * The policy file a deploy gate keeps in git (YAML or JSON):
 *
 *   keys: [release.pub]              # trusted public keys, paths relative to the policy file
 *   identities:                      # trusted keyless signers (Fulcio certificates), any one is enough
 *     - issuer: https://token.actions.githubusercontent.com        # or issuerRegExp (anchored)
 *       subjectRegExp: "https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v.*"   # or subject
 *       githubWorkflowRepository: acme/app                          # optional exact claims
 *   trustedRoot: trusted_root.json   # optional, relative to the file (default: the public-good root via TUF)
 *   signatures: required             # `verify --policy`: image signatures required (default) or optional
 *   attestations:                    # each type listed must have a verified attestation…
 *     - type: cyclonedx              # cosign --type name or a predicate type URI
 *       name: sbom                   # rule name in messages (default: the type)
 *       conditions:                  # …and every verified attestation of it must satisfy every condition
 *         no-agpl: "predicate.components.all(c, !has(c.licenses) || c.licenses.all(l, !has(l.license.id) || l.license.id != 'AGPL-3.0'))"
 *   limits: { maxCost: 10000000 }    # optional CEL cost bound
 *   images:                          # optional per-image rules (see image-rules.ts); the first match wins
 *     - glob: "ghcr.io/acme/**"      # or a list of globs (policy-controller's glob syntax, image-glob.ts)
 *       keys: [acme.pub]             # keys, identities, signatures, attestations: as above; a field left
 *       attestations: [...]          # out is taken from the top level
 *   noMatchPolicy: deny              # an image no rule matches fails (deny, the default) or passes (allow)
 *
 * Everything is checked at load: unknown fields, a type that is neither a name nor a URI, every glob and every
 * CEL expression (syntax, static type check) — a bad one is BAD_INPUT (exit 3) naming the file and rule.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OcisignError, describeError } from '../core/errors.ts';
import { PREDICATE_TYPES, resolvePredicateType } from '../attest/predicate-types.ts';
import type { Verifier } from '../sign/signer.ts';
import { compileIdentityPolicy, type CompiledIdentityPolicy, type IdentityPolicy } from '../verify/identity.ts';
import { compileCondition, DEFAULT_CEL_LIMITS, type CelLimits, type CompiledCondition } from './cel.ts';
import { compileImageGlob, type ImageGlob } from './image-glob.ts';

export interface PolicyCondition {
  name: string;
  condition: CompiledCondition;
}

export interface AttestationRule {
  /** `attestations[i] (name)`, for messages. */
  name: string;
  /** The predicate type URI required. */
  predicateType: string;
  conditions: PolicyCondition[];
}

export interface Policy {
  /** The file it was read from. */
  source: string;
  /** Absolute paths of the trusted public keys. */
  keys: string[];
  /** Trusted keyless identities, compiled (regexps anchored). */
  identities: CompiledIdentityPolicy[];
  /** Absolute path of a trusted_root.json, when the policy names one. */
  trustedRoot?: string;
  requireSignatures: boolean;
  attestations: AttestationRule[];
  limits: CelLimits;
  /** Per-image rules (`images:`), in order; absent when the file has none (then the top level applies to all). */
  images?: ImageRule[];
  /** With `images:`, what happens to an image no rule matches: it fails (deny) or passes unverified (allow). */
  noMatchPolicy: 'deny' | 'allow';
}

/** One `images:` entry: what matching images need. Fields left out of the entry come from the top level. */
export interface ImageRule {
  /** `images[i] (first glob)`, for messages. */
  name: string;
  globs: ImageGlob[];
  keys?: string[];
  identities?: CompiledIdentityPolicy[];
  requireSignatures?: boolean;
  attestations?: AttestationRule[];
  /** The rule's public keys, loaded by ops/policy.ts `loadPolicyWithKeys` (parsePolicy leaves this unset). */
  verifiers?: readonly Verifier[];
}

const MAX_POLICY_BYTES = 1024 * 1024;
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'keys', 'identities', 'trustedRoot', 'signatures', 'attestations', 'limits', 'images', 'noMatchPolicy']);
const RULE_FIELDS = ['glob', 'keys', 'identities', 'signatures', 'attestations'];

export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_POLICY_BYTES) throw new OcisignError('BAD_INPUT', `${info.size} bytes, more than the limit of ${MAX_POLICY_BYTES}`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading policy ${path}: ${describeError(err)}`, { cause: err });
  }
  return parsePolicy(text, path);
}

/** Parse policy text; `source` names the file in messages and anchors relative key paths. */
export function parsePolicy(text: string, source: string): Policy {
  const doc = parseDocument(text, source);
  const bad = (what: string) => new OcisignError('BAD_INPUT', `policy ${source}: ${what}`);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad('not a mapping');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!TOP_LEVEL.has(k)) throw bad(`unknown field ${JSON.stringify(k)} (known: ${[...TOP_LEVEL].join(', ')})`);
  const keys = stringList(d.keys ?? [], 'keys', bad).map((k) => resolve(dirname(source), k));
  const identities = parseIdentities(d.identities, bad, 'identities');
  if (d.trustedRoot !== undefined && (typeof d.trustedRoot !== 'string' || d.trustedRoot === '')) throw bad('trustedRoot must be a path');
  const trustedRoot = typeof d.trustedRoot === 'string' ? resolve(dirname(source), d.trustedRoot) : undefined;
  const requireSignatures = parseSignatures(d.signatures, 'signatures', bad) ?? true;
  const limits = parseLimits(d.limits, bad);
  const attestations = parseAttestations(d.attestations, 'attestations', limits, bad) ?? [];
  if (d.noMatchPolicy !== undefined && d.noMatchPolicy !== 'deny' && d.noMatchPolicy !== 'allow') throw bad('noMatchPolicy must be "deny" or "allow"');
  if (d.noMatchPolicy !== undefined && d.images === undefined) throw bad('noMatchPolicy needs images: rules');
  const images = d.images === undefined ? undefined : parseImageRules(d.images, source, limits, bad);
  return {
    source, keys, identities, ...(trustedRoot ? { trustedRoot } : {}), requireSignatures, attestations, limits,
    ...(images ? { images } : {}), noMatchPolicy: d.noMatchPolicy === 'allow' ? 'allow' : 'deny',
  };
}

function parseSignatures(raw: unknown, at: string, bad: (w: string) => OcisignError): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'required' && raw !== 'optional') throw bad(`${at} must be "required" or "optional"`);
  return raw === 'required';
}

function parseAttestations(raw: unknown, at: string, limits: CelLimits, bad: (w: string) => OcisignError): AttestationRule[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw bad(`${at} must be a list`);
  return raw.map((r, i) => parseRule(r, `${at}[${i}]`, limits, bad));
}

/** `images: [{glob, keys?, identities?, signatures?, attestations?}]`: every glob compiled at load. */
function parseImageRules(raw: unknown, source: string, limits: CelLimits, bad: (w: string) => OcisignError): ImageRule[] {
  if (!Array.isArray(raw) || raw.length === 0) throw bad('images must be a non-empty list of rules');
  return raw.map((entry, i) => {
    const at = `images[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw bad(`${at} must be a mapping`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!RULE_FIELDS.includes(k)) throw bad(`${at}: unknown field ${JSON.stringify(k)} (known: ${RULE_FIELDS.join(', ')})`);
    const sources = typeof e.glob === 'string' ? [e.glob] : e.glob;
    if (!Array.isArray(sources) || sources.length === 0 || sources.some((g) => typeof g !== 'string' || g === '')) throw bad(`${at}: glob must be a glob or a non-empty list of globs`);
    const globs = (sources as string[]).map((g) => {
      const compiled = compileImageGlob(g);
      if (typeof compiled === 'string') throw bad(`${at}: ${compiled}`);
      return compiled;
    });
    const rule: ImageRule = { name: `${at} (${sources[0]})`, globs };
    if (e.keys !== undefined) rule.keys = stringList(e.keys, `${at}.keys`, bad).map((k) => resolve(dirname(source), k));
    if (e.identities !== undefined) rule.identities = parseIdentities(e.identities, bad, `${at}.identities`);
    const requireSignatures = parseSignatures(e.signatures, `${at}.signatures`, bad);
    if (requireSignatures !== undefined) rule.requireSignatures = requireSignatures;
    const attestations = parseAttestations(e.attestations, `${at}.attestations`, limits, bad);
    if (attestations) rule.attestations = attestations;
    return rule;
  });
}

const IDENTITY_FIELDS: (keyof IdentityPolicy)[] = [
  'issuer', 'issuerRegExp', 'subject', 'subjectRegExp',
  'githubWorkflowTrigger', 'githubWorkflowSha', 'githubWorkflowName', 'githubWorkflowRepository', 'githubWorkflowRef',
];

/**
 * `identities: [{issuer | issuerRegExp, subject | subjectRegExp, github…}]`: both an issuer and a subject are
 * required (as cosign's flags); regexps are anchored (see verify/identity.ts) and compiled at load.
 */
function parseIdentities(raw: unknown, bad: (w: string) => OcisignError, where: string): CompiledIdentityPolicy[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad(`${where} must be a list`);
  return raw.map((entry, i) => {
    const at = `${where}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw bad(`${at} must be a mapping`);
    const e = entry as Record<string, unknown>;
    for (const [k, v] of Object.entries(e)) {
      if (!IDENTITY_FIELDS.includes(k as keyof IdentityPolicy)) throw bad(`${at}: unknown field ${JSON.stringify(k)} (known: ${IDENTITY_FIELDS.join(', ')})`);
      if (typeof v !== 'string' || v === '') throw bad(`${at}.${k} must be a non-empty string`);
    }
    if (e.subject === undefined && e.subjectRegExp === undefined) throw bad(`${at}: subject or subjectRegExp is required`);
    if (e.issuer === undefined && e.issuerRegExp === undefined) throw bad(`${at}: issuer or issuerRegExp is required`);
    try {
      return compileIdentityPolicy(e as IdentityPolicy);
    } catch (err) {
      throw bad(`${at}: ${describeError(err)}`);
    }
  });
}

function parseDocument(text: string, source: string): unknown {
  try {
    return source.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `policy ${source}: syntax error: ${describeError(err)}`, { cause: err });
  }
}

function parseRule(raw: unknown, at: string, limits: CelLimits, bad: (w: string) => OcisignError): AttestationRule {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`${at} must be a mapping`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['type', 'name', 'conditions'].includes(k)) throw bad(`${at}: unknown field ${JSON.stringify(k)}`);
  if (typeof r.type !== 'string') throw bad(`${at}: type is required (a URI or one of ${Object.keys(PREDICATE_TYPES).join(', ')})`);
  let predicateType: string;
  try {
    predicateType = resolvePredicateType(r.type).uri;
  } catch (err) {
    throw bad(`${at}: ${describeError(err)}`);
  }
  const name = `${at} (${typeof r.name === 'string' ? r.name : r.type})`;
  const conditions = conditionEntries(r.conditions, name, bad).map(([cname, source]) => {
    const compiled = compileCondition(source, limits);
    if (typeof compiled === 'string') throw bad(`rule ${name} condition ${JSON.stringify(cname)}: ${compiled}`);
    return { name: cname, condition: compiled };
  });
  return { name, predicateType, conditions };
}

/** `conditions` as a map name → expression, or a list of {name, expression} (or bare expressions). */
function conditionEntries(raw: unknown, rule: string, bad: (w: string) => OcisignError): [string, string][] {
  if (raw === undefined) return [];
  if (Array.isArray(raw)) {
    return raw.map((c, j) => {
      if (typeof c === 'string') return [`#${j}`, c];
      const o = c as { name?: unknown; expression?: unknown } | null;
      if (!o || typeof o.expression !== 'string') throw bad(`rule ${rule} conditions[${j}]: want {name, expression}`);
      return [typeof o.name === 'string' ? o.name : `#${j}`, o.expression];
    });
  }
  if (typeof raw !== 'object' || raw === null) throw bad(`rule ${rule}: conditions must be a mapping or a list`);
  return Object.entries(raw).map(([k, v]) => {
    if (typeof v !== 'string') throw bad(`rule ${rule} condition ${JSON.stringify(k)}: the expression must be a string`);
    return [k, v];
  });
}

function stringList(raw: unknown, what: string, bad: (w: string) => OcisignError): string[] {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) throw bad(`${what} must be a list of paths`);
  return list as string[];
}

function parseLimits(raw: unknown, bad: (w: string) => OcisignError): CelLimits {
  if (raw === undefined) return { ...DEFAULT_CEL_LIMITS };
  if (raw === null || typeof raw !== 'object') throw bad('limits must be a mapping');
  const out = { ...DEFAULT_CEL_LIMITS };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in out)) throw bad(`limits: unknown field ${JSON.stringify(k)}`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw bad(`limits.${k} must be a positive integer`);
    out[k as keyof CelLimits] = v;
  }
  return out;
}
