import { sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { describeError, OcisignError } from '../core/errors.ts';
import { joinUrl, postJson } from './http.ts';

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
const SIGNING_CERT_PATH = '/api/v2/signingCert';

export interface CertificateRequest {
  fulcioUrl: string;
  dispatcher: Dispatcher;
  /** The OIDC identity token. */
  token: string;
  /** The token's subject (email or `sub`): what the proof of possession signs. */
  subject: string;
  /** The ephemeral key pair whose public half is certified. */
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A Fulcio certificate: the leaf, then the rest of the chain (intermediates, root), as PEM. */
export interface IssuedCertificate {
  leafPem: string;
  chainPem: string[];
  leaf: X509Certificate;
}

/**
 * Fulcio v2 `POST /api/v2/signingCert` with proof of possession (the subject signed by the key).
 * Accepts both answers (embedded or detached SCT); the chain comes back leaf first.
 */
export async function requestSigningCertificate(req: CertificateRequest): Promise<IssuedCertificate> {
  const url = joinUrl(req.fulcioUrl, SIGNING_CERT_PATH);
  const what = `requesting a signing certificate from fulcio ${req.fulcioUrl}`;
  const proof = cryptoSign('sha256', Buffer.from(req.subject, 'utf8'), req.privateKey);
  const { json } = await postJson({
    url,
    what,
    dispatcher: req.dispatcher,
    json: {
      credentials: { oidcIdentityToken: req.token },
      publicKeyRequest: {
        publicKey: { algorithm: 'ECDSA', content: req.publicKey.export({ format: 'pem', type: 'spki' }).toString() },
        proofOfPossession: proof.toString('base64'),
      },
    },
  });
  const pems = chainOf(json);
  if (!pems || pems.length === 0) throw new OcisignError('IO', `${what}: the answer has no certificate chain`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pems[0]!);
  } catch (err) {
    throw new OcisignError('IO', `${what}: the leaf certificate does not parse (${describeError(err)})`, { cause: err });
  }
  if (!leaf.publicKey.equals(req.publicKey)) throw new OcisignError('IO', `${what}: the certificate is for another public key`);
  return { leafPem: withNewline(pems[0]!), chainPem: pems.slice(1).map(withNewline), leaf };
}

function chainOf(json: unknown): string[] | undefined {
  const o = json as Record<string, { chain?: { certificates?: unknown } } | undefined> | null;
  const certs = o?.signedCertificateEmbeddedSct?.chain?.certificates ?? o?.signedCertificateDetachedSct?.chain?.certificates;
  return Array.isArray(certs) && certs.every((c) => typeof c === 'string') ? (certs as string[]) : undefined;
}

function withNewline(pem: string): string {
  const trimmed = pem.trim();
  return `${trimmed}\n`;
}
