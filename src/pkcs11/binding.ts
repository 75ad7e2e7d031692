/**
 * The part of pkcs11js (an optional native dependency) ocisign uses, typed here rather than imported: where the
 * binding could not be built, npm leaves it out, and the type checker and the build must still work.
 */
export type Handle = Buffer;

export interface Pkcs11Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}

export interface Pkcs11Session {
  load(path: string): void;
  close(): void;
  C_Initialize(): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string; flags: number };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_FindObjectsInit(session: Handle, template: Pkcs11Attribute[]): void;
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Pkcs11Attribute[]): Pkcs11Attribute[];
  C_SignInit(session: Handle, mechanism: { mechanism: number }, key: Handle): void;
  C_SignAsync(session: Handle, data: Buffer, out: Buffer): Promise<Buffer>;
}

type Constant =
  | 'CKF_SERIAL_SESSION' | 'CKF_LOGIN_REQUIRED' | 'CKU_USER' | 'CKM_ECDSA' | 'CKM_RSA_PKCS'
  | 'CKO_PRIVATE_KEY' | 'CKO_PUBLIC_KEY' | 'CKO_CERTIFICATE' | 'CKK_EC' | 'CKK_RSA'
  | 'CKA_CLASS' | 'CKA_ID' | 'CKA_LABEL' | 'CKA_VALUE' | 'CKA_KEY_TYPE' | 'CKA_EC_PARAMS' | 'CKA_EC_POINT' | 'CKA_MODULUS' | 'CKA_PUBLIC_EXPONENT'
  | 'CKR_CRYPTOKI_ALREADY_INITIALIZED' | 'CKR_USER_ALREADY_LOGGED_IN' | 'CKR_PIN_INCORRECT' | 'CKR_PIN_LOCKED' | 'CKR_PIN_LEN_RANGE' | 'CKR_PIN_INVALID';

export type Pkcs11Binding = Record<Constant, number> & { PKCS11: new () => Pkcs11Session };

/** The module name, kept out of a literal import so neither tsc nor the bundler needs the package to exist. */
const MODULE = 'pkcs11js';

/** Load the binding (CommonJS: Node gives its exports as named and as `default`). Throws when it is not installed. */
export async function importBinding(): Promise<Pkcs11Binding> {
  const loaded = (await import(MODULE)) as Pkcs11Binding & { default?: Pkcs11Binding };
  return loaded.default ?? loaded;
}
