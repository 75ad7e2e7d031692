/**
 * The claims step, after the signer is known: what the signed content says must be about this image.
 *
 * An image signature is (a) a legacy simple-signing payload naming the image digest, (b) a DSSE in-toto
 * statement with predicateType `https://sigstore.dev/cosign/sign/v1` whose subject names the image digest
 * (cosign 3), or (c) a message signature over the image manifest. An attestation is a DSSE in-toto statement
 * whose subject names the image digest; its type is filtered afterwards. cosign 3 `verify` accepts any
 * verified DSSE bundle as a signature (an SBOM attestation too); ocisign requires the sign/v1 type.
 */
import { parseStatement, subjectNamesDigest, type Statement } from '../attest/statement.ts';
import { IN_TOTO_PAYLOAD_TYPE } from '../attest/envelope.ts';
import { SIMPLE_SIGNING_TYPE } from '../cosign/media-types.ts';
import { fail, pass, type Check } from '../sigstore/check.ts';
import type { Evidence } from './evidence.ts';
import { checkClaims, parseSimpleSigningClaims, type SimpleSigningClaims } from './simple-signing-claims.ts';

export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export interface ImageExpectation {
  /** The image digest everything must name. */
  digest: string;
  /** The image's repository (cosign's docker-reference), as claims report it. */
  dockerReference: string;
  /** `-a k=v`: each must be a string entry of the signed annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** `--check-docker-reference`: the signed reference must name this repository. */
  checkDockerReference?: boolean;
}

/** What kind of signed statement a piece of evidence is, read before it is verified (to count and route it). */
export type EvidenceKind = 'signature' | 'attestation';

export function evidenceKind(e: Evidence): EvidenceKind {
  if (e.content.kind !== 'dsse') return 'signature';
  const statement = e.content.payloadType === IN_TOTO_PAYLOAD_TYPE ? parseStatement(e.content.payload) : undefined;
  return typeof statement === 'object' && statement.predicateType === COSIGN_SIGN_PREDICATE && e.origin.kind !== 'tag' ? 'signature' : 'attestation';
}

/**
 * An image signature's claims, in cosign's simple-signing shape (cosign 3 prints bundle signatures the same
 * way, with `critical.type` = the predicate type and the subject's annotations as `optional`).
 */
export function checkSignatureClaims(e: Evidence, expect: ImageExpectation): Check<SimpleSigningClaims> {
  switch (e.content.kind) {
    case 'simple-signing': {
      const claims = parseSimpleSigningClaims(e.content.payload);
      if (typeof claims === 'string') return fail(claims);
      const reason = checkClaims(claims, {
        digest: expect.digest,
        annotations: expect.annotations,
        ...(expect.checkDockerReference ? { dockerReference: expect.dockerReference } : {}),
      });
      return reason ? fail(reason) : pass(claims);
    }
    case 'dsse': {
      const statement = inTotoStatement(e);
      if (!statement.ok) return statement;
      const s = statement.value;
      if (s.predicateType !== COSIGN_SIGN_PREDICATE) return fail(`statement predicate type ${JSON.stringify(s.predicateType)} is not a signature (${COSIGN_SIGN_PREDICATE})`);
      const subject = s.subject.find((x) => subjectNamesDigest({ ...s, subject: [x] }, expect.digest));
      if (!subject) return fail(`statement subject names ${describeSubjects(s)}, not the image digest ${expect.digest}`);
      const annotations = subjectAnnotations(s, s.subject.indexOf(subject));
      const missing = Object.entries(expect.annotations ?? {}).find(([k, v]) => annotations[k] !== v);
      if (missing) return fail(`annotation ${missing[0]}=${missing[1]} not found in the signed statement (${annotations[missing[0]] === undefined ? 'missing' : `has ${JSON.stringify(annotations[missing[0]])}`})`);
      if (expect.checkDockerReference && subject.name !== expect.dockerReference) {
        return fail(`statement subject name ${JSON.stringify(subject.name ?? null)} is not ${JSON.stringify(expect.dockerReference)}`);
      }
      // the identity ocisign signs as the subject's name; cosign 3 names none and prints the image reference
      return pass({ dockerReference: subject.name ?? `${expect.dockerReference}@${expect.digest}`, digest: expect.digest, type: s.predicateType, optional: annotations });
    }
    case 'message': {
      if (e.content.digest !== expect.digest) return fail(`message signature is over ${e.content.digest}, not the image digest ${expect.digest}`);
      if (Object.keys(expect.annotations ?? {}).length > 0) return fail('a message signature carries no annotations');
      if (expect.checkDockerReference) return fail('a message signature names no docker reference');
      return pass({ dockerReference: `${expect.dockerReference}@${expect.digest}`, digest: expect.digest, type: SIMPLE_SIGNING_TYPE, optional: null });
    }
  }
}

/** An attestation's statement, whose subject must name the image digest. */
export function checkAttestationClaims(e: Evidence, digest: string): Check<Statement> {
  const statement = inTotoStatement(e);
  if (!statement.ok) return statement;
  if (!subjectNamesDigest(statement.value, digest)) {
    return fail(`statement subject names ${describeSubjects(statement.value)}, not the image digest ${digest}`);
  }
  return statement;
}

/** The predicate type an attestation claims, for messages (undefined when it is not a statement). */
export function claimedPredicateType(e: Evidence): string | undefined {
  const s = inTotoStatement(e);
  return s.ok ? s.value.predicateType : undefined;
}

function inTotoStatement(e: Evidence): Check<Statement> {
  if (e.content.kind !== 'dsse') return fail('not a DSSE envelope (no in-toto statement)');
  if (e.content.payloadType !== IN_TOTO_PAYLOAD_TYPE) return fail(`DSSE payloadType ${JSON.stringify(e.content.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  const statement = parseStatement(e.content.payload);
  return typeof statement === 'string' ? fail(statement) : pass(statement);
}

function subjectAnnotations(s: Statement, index: number): Record<string, unknown> {
  const raw = (s.raw.subject as unknown[])[index] as { annotations?: unknown } | undefined;
  const a = raw?.annotations;
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

function describeSubjects(s: Statement): string {
  return s.subject.map((x) => Object.entries(x.digest).map(([k, v]) => `${k}:${v}`).join(',') || '(no digest)').join('; ');
}
