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
 *
 * Everything is checked at load: unknown fields, a type that is neither a name nor a URI, and every CEL
 * expression (syntax, static type check) — a bad one is BAD_INPUT (exit 3) naming the file and rule.
 */
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OcisignError, describeError } from '../core/errors.ts';
import { readFileBounded } from '../core/fs.ts';
import { INPUT_LIMITS } from '../core/input-limits.ts';
import { PREDICATE_TYPES, resolvePredicateType } from '../attest/predicate-types.ts';
import { compileIdentityPolicy, type CompiledIdentityPolicy, type IdentityPolicy } from '../sigstore/identity.ts';
import { compileCondition, DEFAULT_CEL_LIMITS, type CelLimits, type CompiledCondition } from './cel.ts';

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
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'keys', 'identities', 'trustedRoot', 'signatures', 'attestations', 'limits']);

export async function loadPolicy(path: string): Promise<Policy> {
  const text = (await readFileBounded(path, INPUT_LIMITS.maxPolicyFileBytes, 'policy')).toString('utf8');
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
  const identities = parseIdentities(d.identities, bad);
  if (d.trustedRoot !== undefined && (typeof d.trustedRoot !== 'string' || d.trustedRoot === '')) throw bad('trustedRoot must be a path');
  const trustedRoot = typeof d.trustedRoot === 'string' ? resolve(dirname(source), d.trustedRoot) : undefined;
  if (d.signatures !== undefined && d.signatures !== 'required' && d.signatures !== 'optional') throw bad('signatures must be "required" or "optional"');
  const limits = parseLimits(d.limits, bad);
  if (d.attestations !== undefined && !Array.isArray(d.attestations)) throw bad('attestations must be a list');
  const attestations = ((d.attestations ?? []) as unknown[]).map((r, i) => parseRule(r, i, limits, bad));
  return { source, keys, identities, ...(trustedRoot ? { trustedRoot } : {}), requireSignatures: d.signatures !== 'optional', attestations, limits };
}

const IDENTITY_FIELDS: (keyof IdentityPolicy)[] = [
  'issuer', 'issuerRegExp', 'subject', 'subjectRegExp',
  'githubWorkflowTrigger', 'githubWorkflowSha', 'githubWorkflowName', 'githubWorkflowRepository', 'githubWorkflowRef',
];

/**
 * `identities: [{issuer | issuerRegExp, subject | subjectRegExp, github…}]`: both an issuer and a subject are
 * required (as cosign's flags); regexps are anchored (see sigstore/identity.ts) and compiled at load.
 */
function parseIdentities(raw: unknown, bad: (w: string) => OcisignError): CompiledIdentityPolicy[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad('identities must be a list');
  return raw.map((entry, i) => {
    const at = `identities[${i}]`;
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

function parseRule(raw: unknown, i: number, limits: CelLimits, bad: (w: string) => OcisignError): AttestationRule {
  const at = `attestations[${i}]`;
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
