// The one parser for --key values: paths, cosign's awskms:// and pkcs11: URIs, and the schemes ocisign refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { parseKeyRef, redactKeyRef } from '../../src/kms/key-ref.ts';

function refused(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(isOcisignError(err, 'BAD_INPUT'), `want BAD_INPUT, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return true;
  };
}

describe('key references: files', () => {
  it('a path (relative, absolute, with colons) is a key file', () => {
    for (const path of ['cosign.key', '/etc/keys/release.pub', './k:1.pub', 'C:key.pem']) {
      assert.deepEqual(parseKeyRef(path), { kind: 'file', path });
    }
  });

  it('an empty --key is a usage error', () => {
    assert.throws(() => parseKeyRef(''), (err: unknown) => isOcisignError(err, 'USAGE'));
  });
});

describe('key references: awskms://', () => {
  const id = '1234abcd-12ab-34cd-56ef-1234567890ab';

  it("parses cosign's forms: key id, alias, key ARN, alias ARN, each with or without an endpoint", () => {
    assert.deepEqual(parseKeyRef(`awskms:///${id}`), { kind: 'awskms', uri: `awskms:///${id}`, endpoint: '', keyId: id });
    assert.deepEqual(parseKeyRef(`awskms://localhost:4566/${id}`), { kind: 'awskms', uri: `awskms://localhost:4566/${id}`, endpoint: 'localhost:4566', keyId: id });
    assert.deepEqual(parseKeyRef('awskms:///alias/release-signer'), {
      kind: 'awskms', uri: 'awskms:///alias/release-signer', endpoint: '', keyId: 'alias/release-signer', alias: 'alias/release-signer',
    });
    const keyArn = `arn:aws:kms:us-east-2:111122223333:key/${id}`;
    assert.deepEqual(parseKeyRef(`awskms://127.0.0.1:8443/${keyArn}`), {
      kind: 'awskms', uri: `awskms://127.0.0.1:8443/${keyArn}`, endpoint: '127.0.0.1:8443', keyId: keyArn, region: 'us-east-2',
    });
    const aliasArn = 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ci/signer';
    assert.deepEqual(parseKeyRef(`awskms:///${aliasArn}`), {
      kind: 'awskms', uri: `awskms:///${aliasArn}`, endpoint: '', keyId: aliasArn, region: 'us-gov-west-1', alias: 'alias/ci/signer',
    });
    assert.equal((parseKeyRef(`awskms:///mrk-${id.replaceAll('-', '')}`) as { keyId: string }).keyId, `mrk-${id.replaceAll('-', '')}`);
  });

  it('refuses malformed references, naming the accepted forms', () => {
    for (const bad of ['awskms://', 'awskms:///', 'awskms:///not-a-key-id', 'awskms:///alias/', 'awskms:///alias/a b',
      'awskms://host/path/' + id, 'awskms:///arn:aws:kms:us-east-1:123:key/' + id, 'awskms://bad host/' + id]) {
      assert.throws(() => parseKeyRef(bad), refused(/^key awskms:\/\/.*want awskms:\/\/\[ENDPOINT\]\/KEY-ID/), bad);
    }
  });
});

describe('key references: pkcs11:', () => {
  it("parses cosign's form: token/slot-id, object/id (percent-decoded bytes), module-path and pin-value", () => {
    const ref = parseKeyRef('pkcs11:token=ci;object=signer?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234');
    assert.deepEqual(ref, {
      kind: 'pkcs11',
      uri: 'pkcs11:token=ci;object=signer?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234',
      tokenLabel: 'ci',
      objectLabel: 'signer',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      pin: '1234',
    });
    const byId = parseKeyRef('pkcs11:slot-id=3;id=%01%ff;type=private;manufacturer=SoftHSM%20project') as { slotId: number; objectId: Uint8Array };
    assert.equal(byId.slotId, 3);
    assert.deepEqual([...byId.objectId], [0x01, 0xff]);
    const spaced = parseKeyRef('pkcs11:token=My%20Token;object=a%3Bb') as { tokenLabel: string; objectLabel: string };
    assert.equal(spaced.tokenLabel, 'My Token');
    assert.equal(spaced.objectLabel, 'a;b');
  });

  it('needs a token or slot-id and an object or id', () => {
    assert.throws(() => parseKeyRef('pkcs11:object=signer'), refused(/one of token and slot-id must be set/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci'), refused(/one of object and id must be set/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=k;slot-id=x'), refused(/slot-id "x" is not a number/));
  });

  it('refuses typos and unsupported attributes instead of ignoring them, never echoing the PIN', () => {
    assert.throws(() => parseKeyRef('pkcs11:token=ci;label=k'), refused(/unknown path attribute "label"/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=k?pin=1234'), refused(/unknown query attribute "pin"/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=k?pin-source=file:/p'), refused(/pin-source and module-name are not supported/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=k;type=secret-key'), refused(/type=secret-key/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=%zz'), refused(/invalid percent-encoding/));
    assert.throws(() => parseKeyRef('pkcs11:token=ci;object=k?pin-value=s3cret&pin-value=s3cret'), (err: unknown) => {
      assert.ok(isOcisignError(err, 'BAD_INPUT'));
      assert.doesNotMatch((err as Error).message, /s3cret/);
      return true;
    });
  });

  it('redacts the PIN wherever the URI is shown', () => {
    assert.equal(
      redactKeyRef('pkcs11:token=ci;object=k?module-path=/m.so&pin-value=1234'),
      'pkcs11:token=ci;object=k?module-path=/m.so&pin-value=REDACTED',
    );
    assert.equal(redactKeyRef('hashivault://user:pw@vault/key'), 'hashivault://REDACTED@vault/key');
  });
});

describe('key references: refused schemes', () => {
  it('GCP KMS, Azure Key Vault, HashiCorp Vault, k8s: exit 3 naming what is supported', () => {
    for (const [uri, name] of [
      ['gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k', 'GCP KMS'],
      ['azurekms://vault.vault.azure.net/key', 'Azure Key Vault'],
      ['hashivault://transit-key', 'HashiCorp Vault transit'],
      ['k8s://ns/secret', 'Kubernetes secrets'],
    ] as const) {
      assert.throws(() => parseKeyRef(uri), (err: unknown) => {
        assert.ok(isOcisignError(err, 'BAD_INPUT'));
        assert.equal((err as { exitCode: number }).exitCode, 3);
        assert.match((err as Error).message, new RegExp(`${name} keys .* are not supported; supported: a key file, awskms://.*pkcs11:`));
        return true;
      });
    }
  });

  it('an unknown scheme is refused rather than read as a file', () => {
    assert.throws(() => parseKeyRef('https://example.com/cosign.pub'), refused(/unknown key scheme https:\/\//));
  });
});
