import { OcisignError } from '../core/errors.ts';

/**
 * A `--key` value, parsed once for every command: a key file path, or one of cosign's key URIs.
 *
 *   awskms://[ENDPOINT]/KEY-ID | awskms://[ENDPOINT]/alias/NAME | awskms://[ENDPOINT]/arn:aws:kms:REGION:ACCOUNT:key/ID
 *   pkcs11:token=LABEL;object=LABEL?module-path=/abs/lib.so&pin-value=PIN   (RFC 7512, cosign's attributes)
 *
 * gcpkms://, azurekms://, hashivault:// and k8s:// are cosign schemes ocisign refuses (no local stand-in to test them
 * against); anything else with `scheme://` is refused too rather than read as a file name.
 */
export type KeyRef = FileKeyRef | AwsKmsKeyRef | Pkcs11KeyRef;

export interface FileKeyRef {
  kind: 'file';
  path: string;
}

export interface AwsKmsKeyRef {
  kind: 'awskms';
  /** The URI as given (for messages, see redactKeyRef). */
  uri: string;
  /** `host[:port]` from the URI; empty for the SDK's endpoint (AWS_ENDPOINT_URL_KMS, or the region's). */
  endpoint: string;
  /** What KMS is asked for: a key id, `alias/NAME`, or a key or alias ARN. */
  keyId: string;
  /** `alias/NAME` when the reference names an alias (plain or in an ARN); generate-key-pair needs one. */
  alias?: string;
  /** The region an ARN names (else the SDK's region chain decides). */
  region?: string;
}

export interface Pkcs11KeyRef {
  kind: 'pkcs11';
  uri: string;
  tokenLabel?: string;
  slotId?: number;
  /** CKA_LABEL of the key (`object=`). */
  objectLabel?: string;
  /** CKA_ID of the key (`id=`, percent-decoded bytes); wins over the label, as in cosign. */
  objectId?: Uint8Array;
  /** `module-path=` (else COSIGN_PKCS11_MODULE_PATH, resolved when the key is opened). */
  modulePath?: string;
  /** `pin-value=` (else COSIGN_PKCS11_PIN, else a prompt). */
  pin?: string;
}

export const SUPPORTED_KEY_FORMS = 'a key file, awskms://[ENDPOINT]/KEY-ID|alias/NAME|ARN, or pkcs11:token=…;object=…';
const REFUSED_SCHEMES: Record<string, string> = {
  gcpkms: 'GCP KMS',
  azurekms: 'Azure Key Vault',
  hashivault: 'HashiCorp Vault transit',
  k8s: 'Kubernetes secrets',
  gitlab: 'GitLab CI variables',
};

// A KMS key id is a UUID, optionally `mrk-` prefixed (multi-Region keys); cosign accepts dashes anywhere optional.
const UUID = '(?:mrk-)?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12}';
const UUID_ID = /^(?:mrk-)?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12}$/;
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const ARN = new RegExp(`^arn:(aws|aws-us-gov|aws-cn):kms:([a-z0-9-]+):(\\d{12}):(key/${UUID}|alias/[A-Za-z0-9/_-]{1,250})$`);
const ENDPOINT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Parse a `--key` value. Paths are returned as they are; URIs are checked completely here. */
export function parseKeyRef(value: string): KeyRef {
  if (value === '') throw new OcisignError('USAGE', 'empty --key');
  if (value.startsWith('awskms://')) return parseAwsKms(value);
  if (value.startsWith('pkcs11:')) return parsePkcs11(value);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const name = REFUSED_SCHEMES[scheme];
    const what = name ? `${name} keys (${scheme}://) are not supported` : `unknown key scheme ${scheme}://`;
    throw new OcisignError('BAD_INPUT', `key ${redactKeyRef(value)}: ${what}; supported: ${SUPPORTED_KEY_FORMS}`);
  }
  return { kind: 'file', path: value };
}

function parseAwsKms(uri: string): AwsKmsKeyRef {
  const rest = uri.slice('awskms://'.length);
  const slash = rest.indexOf('/');
  const bad = (why: string) =>
    new OcisignError('BAD_INPUT', `key ${redactKeyRef(uri)}: ${why} (want awskms://[ENDPOINT]/KEY-ID, awskms://[ENDPOINT]/alias/NAME or awskms://[ENDPOINT]/ARN)`);
  if (slash < 0) throw bad('no key after the endpoint');
  const endpoint = rest.slice(0, slash);
  const keyId = rest.slice(slash + 1);
  if (endpoint !== '' && !ENDPOINT.test(endpoint)) throw bad(`invalid endpoint ${JSON.stringify(endpoint)}`);
  if (UUID_ID.test(keyId)) return { kind: 'awskms', uri, endpoint, keyId };
  if (ALIAS.test(keyId)) return { kind: 'awskms', uri, endpoint, keyId, alias: keyId };
  const arn = ARN.exec(keyId);
  if (arn) {
    const resource = arn[4]!;
    return { kind: 'awskms', uri, endpoint, keyId, region: arn[2]!, ...(resource.startsWith('alias/') ? { alias: resource } : {}) };
  }
  throw bad(`invalid key ${JSON.stringify(keyId)}`);
}

const PKCS11_PATH_ATTRS = new Set(['token', 'slot-id', 'object', 'id', 'type', 'manufacturer', 'model', 'serial', 'library-manufacturer', 'library-description', 'library-version']);
const PKCS11_QUERY_ATTRS = new Set(['module-path', 'pin-value', 'module-name', 'pin-source']);

/** RFC 7512: `pkcs11:` path attributes separated by `;`, query attributes by `&`, values percent-encoded. */
function parsePkcs11(uri: string): Pkcs11KeyRef {
  const bad = (why: string) => new OcisignError('BAD_INPUT', `key ${redactKeyRef(uri)}: ${why}`);
  const body = uri.slice('pkcs11:'.length);
  const q = body.indexOf('?');
  const path = attributes(q < 0 ? body : body.slice(0, q), ';', bad);
  const query = attributes(q < 0 ? '' : body.slice(q + 1), '&', bad);
  for (const name of path.keys()) if (!PKCS11_PATH_ATTRS.has(name)) throw bad(`unknown path attribute ${JSON.stringify(name)}`);
  for (const name of query.keys()) if (!PKCS11_QUERY_ATTRS.has(name)) throw bad(`unknown query attribute ${JSON.stringify(name)}`);
  if (query.has('pin-source') || query.has('module-name')) throw bad('pin-source and module-name are not supported (use pin-value / COSIGN_PKCS11_PIN and module-path)');
  const text = (m: Map<string, Uint8Array>, name: string) => (m.has(name) ? Buffer.from(m.get(name)!).toString('utf8') : undefined);
  const tokenLabel = text(path, 'token');
  const slot = text(path, 'slot-id');
  const objectLabel = text(path, 'object');
  const objectId = path.get('id');
  if (slot !== undefined && !/^\d{1,15}$/.test(slot)) throw bad(`slot-id ${JSON.stringify(slot)} is not a number`);
  if (!tokenLabel && slot === undefined) throw bad('one of token and slot-id must be set');
  if (!objectLabel && (!objectId || objectId.length === 0)) throw bad('one of object and id must be set');
  const type = text(path, 'type');
  if (type !== undefined && type !== 'private' && type !== 'public') throw bad(`type=${type}: only a key pair (private or public) can sign or verify`);
  const modulePath = text(query, 'module-path');
  const pin = text(query, 'pin-value');
  return {
    kind: 'pkcs11',
    uri,
    ...(tokenLabel ? { tokenLabel } : {}),
    ...(slot !== undefined ? { slotId: Number(slot) } : {}),
    ...(objectLabel ? { objectLabel } : {}),
    ...(objectId && objectId.length > 0 ? { objectId } : {}),
    ...(modulePath ? { modulePath } : {}),
    ...(pin ? { pin } : {}),
  };
}

function attributes(text: string, separator: string, bad: (why: string) => OcisignError): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (text === '') return out;
  for (const part of text.split(separator)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(`attribute ${JSON.stringify(redactPin(part))} is not name=value`);
    const name = part.slice(0, eq);
    if (out.has(name)) throw bad(`attribute ${name} given twice`);
    out.set(name, percentDecode(part.slice(eq + 1), () => bad(`attribute ${name}: invalid percent-encoding`)));
  }
  return out;
}

function percentDecode(value: string, bad: () => OcisignError): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw bad();
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Uint8Array.from(bytes);
}

function redactPin(text: string): string {
  return text.replace(/(pin-value=)[^&;]*/gi, '$1REDACTED');
}

/**
 * A key reference fit for messages and logs: a PKCS#11 PIN and any user:password in a URI are replaced by REDACTED.
 * (awskms URIs carry no secrets; credentials come from the AWS chain and are never printed.)
 */
export function redactKeyRef(value: string): string {
  return redactPin(value).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1REDACTED@');
}

/** The reference as it is named in messages: the path, or the redacted URI. */
export function describeKeyRef(ref: KeyRef): string {
  return ref.kind === 'file' ? ref.path : redactKeyRef(ref.uri);
}
