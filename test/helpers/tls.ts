/**
 * Throw-away TLS material for tests, made with the openssl CLI (node:crypto cannot issue certificates).
 *
 *   createTestCa(dir) → { caPem, caFile, serverCertFile, serverKeyFile }   a CA and a server certificate
 *                        (EC P-256) for IP:127.0.0.1 and DNS:localhost, valid two days
 *   createSigningCert(dir, name) → { certPem, certFile, keyPem, keyFile }  a self-signed EC P-256 cert
 *                        (the token server's signing key; the registry's rootcertbundle)
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TestCa {
  caPem: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
}

export interface SigningCert {
  certPem: string;
  certFile: string;
  keyPem: string;
  keyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await exec('openssl', args, { cwd });
}

async function ecKey(dir: string, name: string): Promise<string> {
  const file = join(dir, name);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
  return file;
}

export async function createTestCa(dir: string): Promise<TestCa> {
  const caKey = await ecKey(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  await openssl(['req', '-x509', '-new', '-key', caKey, '-subj', '/CN=ocisign test CA', '-days', '2', '-out', caFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const serverKeyFile = await ecKey(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  await openssl(['req', '-new', '-key', serverKeyFile, '-subj', '/CN=localhost', '-out', csr], dir);
  const ext = join(dir, 'server.ext');
  await writeFile(ext, [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n') + '\n');
  const serverCertFile = join(dir, 'server.pem');
  await openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2',
    '-extfile', ext, '-out', serverCertFile], dir);
  return { caPem: await readFile(caFile, 'utf8'), caFile, serverCertFile, serverKeyFile };
}

export async function createSigningCert(dir: string, name: string): Promise<SigningCert> {
  const keyFile = await ecKey(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  await openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-days', '2', '-out', certFile], dir);
  return { certPem: await readFile(certFile, 'utf8'), certFile, keyPem: await readFile(keyFile, 'utf8'), keyFile };
}
