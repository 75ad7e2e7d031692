import { CosignAnnotation } from '../cosign/media-types.ts';

/** What the transparency-log step sees of one signature layer. */
export interface TlogInput {
  payload: Uint8Array;
  signature: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

/**
 * The transparency-log rule, pluggable: returns a reason when the layer fails it, undefined when it passes.
 * `rekorBundleCheck` (rekor-tlog-check.ts, loaded only when a layer has a bundle) verifies the SET.
 */
export type TlogCheck = (layer: TlogInput) => string | undefined;

/** `--insecure-ignore-tlog`: accept layers with or without a log entry, unverified. */
export const ignoreTlog: TlogCheck = () => undefined;

/**
 * Until SET verification lands: a layer without a bundle is refused (as cosign without --insecure-ignore-tlog);
 * a layer with one is refused too, since ocisign cannot check it yet and will not accept it unchecked.
 */
export const requireTlogUnsupported: TlogCheck = (layer) =>
  layer.annotations[CosignAnnotation.Bundle] === undefined
    ? 'signature has no transparency log entry (dev.sigstore.cosign/bundle); pass --insecure-ignore-tlog to accept it'
    : 'verifying transparency log entries is not supported yet; pass --insecure-ignore-tlog to skip it';
