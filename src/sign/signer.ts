import type { KeyObject } from 'node:crypto';

/** Something that signs bytes: a key from a cosign key file now, a Fulcio-backed ephemeral key later. */
export interface Signer {
  /** Sign `data` (the payload bytes, or the DSSE PAE); returns the raw signature (DER for ECDSA). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** The public key that verifies what this signer signs. */
  readonly publicKey: KeyObject;
}

/** Something that checks a signature over bytes with one public key. */
export interface Verifier {
  verify(data: Uint8Array, signature: Uint8Array): boolean;
  readonly publicKey: KeyObject;
}
