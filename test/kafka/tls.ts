import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, runCommand } from './command.js';
import { ToolError, lastErrorLine } from './errors.js';
import { withLock } from './lock.js';
import { stateRoot } from './paths.js';

/**
 * The TLS material of SSL and SASL_SSL listeners: a test CA, a broker certificate it signed, a
 * client certificate it signed (for mutual TLS), and a second, unrelated CA that tests use to
 * show verification failing. Generated once with openssl into `.kafka/tls/` and reused by
 * every cluster and test after that; generated afresh when a file is missing, unreadable, or
 * near its expiry.
 *
 * Everything is PEM, because every client under test reads PEM (Node's tls, librdkafka) and a
 * Kafka broker reads it too (`ssl.keystore.type=PEM`, Kafka 2.7+), so no JKS or PKCS#12 store
 * and no store password exist anywhere. Keys are unencrypted PKCS#8 (`BEGIN PRIVATE KEY`):
 * Kafka's PEM keystore parses exactly that (or encrypted PKCS#8 with `ssl.key.password`), not
 * the traditional `BEGIN RSA PRIVATE KEY` form. RSA 2048, the key type deployments use most.
 */

/** Paths (and contents) of the harness's TLS material. */
export interface TlsMaterial {
  /** The directory holding every file below (`.kafka/tls/`). */
  dir: string;
  /** The test CA's certificate: what clients trust to verify the brokers. */
  caFile: string;
  caPem: string;
  /** The test CA's private key. */
  caKeyFile: string;
  /** A CA that signed nothing the brokers present: trusting only it must fail verification. */
  otherCaFile: string;
  otherCaPem: string;
  /** The broker's certificate (CN=localhost, subjectAltName IP:127.0.0.1 and DNS:localhost). */
  brokerCertFile: string;
  brokerKeyFile: string;
  /** The broker's PEM keystore: its private key followed by its certificate chain (leaf, then CA). */
  brokerKeystoreFile: string;
  /** The client certificate (CN=tandem-test-client), signed by the test CA, for mutual TLS. */
  clientCertFile: string;
  clientCertPem: string;
  /** The client certificate's private key (unencrypted PKCS#8 PEM). */
  clientKeyFile: string;
  clientKeyPem: string;
}

/** Certificates are valid this long, so that cached ones do not expire under a checkout. */
const VALIDITY_DAYS = 3650;
/** Material closer than this to its expiry is generated afresh. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** Where the material lives. Paths only: {@link tlsMaterial} makes sure the files exist. */
export function tlsFiles(): Omit<TlsMaterial, 'caPem' | 'otherCaPem' | 'clientCertPem' | 'clientKeyPem'> {
  const dir = join(stateRoot, 'tls');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca-key.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    brokerCertFile: join(dir, 'broker.pem'),
    brokerKeyFile: join(dir, 'broker-key.pem'),
    brokerKeystoreFile: join(dir, 'broker-keystore.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client-key.pem'),
  };
}

/**
 * The harness's TLS material, generated with openssl on first use (about a second) and read
 * from `.kafka/tls/` after that. Safe to call from several processes at once: one generates,
 * under a lock, into a scratch directory that is renamed into place whole, so nobody reads a
 * half-written set.
 *
 * @throws ToolError `tool-missing` without openssl, `tool-failed` when it fails.
 * @example
 * ```ts
 * const tls = await tlsMaterial();
 * const socket = tlsConnect({ host: '127.0.0.1', port, ca: tls.caPem, cert: tls.clientCertPem, key: tls.clientKeyPem });
 * ```
 */
export async function tlsMaterial(): Promise<TlsMaterial> {
  const files = tlsFiles();
  if (!isUsable(files)) {
    await withLock(join(stateRoot, 'tls.lock'), 120_000, async () => {
      // Another process may have generated it while we waited for the lock.
      if (!isUsable(files)) await generate(files.dir);
    });
  }
  const [caPem, otherCaPem, clientCertPem, clientKeyPem] = await Promise.all(
    [files.caFile, files.otherCaFile, files.clientCertFile, files.clientKeyFile].map((f) => readFile(f, 'utf8')),
  );
  return { ...files, caPem, otherCaPem, clientCertPem, clientKeyPem };
}

/**
 * SHA-256 fingerprint of the test CA as it is on disk now, or undefined if there is none. A
 * cluster records it at start: one started before the material was regenerated presents a
 * certificate the new CA did not sign, and must not be reused.
 */
export function caFingerprint(): string | undefined {
  try {
    return new X509Certificate(readFileSync(tlsFiles().caFile)).fingerprint256;
  } catch {
    return undefined;
  }
}

/** Every file there, every certificate parseable, signed by the CA it should be, and not near expiry. */
function isUsable(files: ReturnType<typeof tlsFiles>): boolean {
  const all = [files.caFile, files.caKeyFile, files.otherCaFile, files.brokerCertFile, files.brokerKeyFile, files.brokerKeystoreFile, files.clientCertFile, files.clientKeyFile];
  if (!all.every((f) => existsSync(f))) return false;
  try {
    const ca = new X509Certificate(readFileSync(files.caFile));
    const other = new X509Certificate(readFileSync(files.otherCaFile));
    const broker = new X509Certificate(readFileSync(files.brokerCertFile));
    const client = new X509Certificate(readFileSync(files.clientCertFile));
    const renewAt = Date.now() + RENEW_BEFORE_MS;
    return [ca, other, broker, client].every((c) => Date.parse(c.validTo) > renewAt) && broker.verify(ca.publicKey) && client.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** One certificate to issue: its subject and the X.509 v3 extensions it carries. */
interface CertProfile {
  file: string;
  commonName: string;
  extensions: string[];
}

const CA_EXTENSIONS = ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'];

/** Generates the whole set into a scratch directory next to `dir`, then swaps it in. */
async function generate(dir: string): Promise<void> {
  await mkdir(stateRoot, { recursive: true });
  const scratch = await mkdtemp(join(stateRoot, 'tls-new-'));
  try {
    const file = (name: string): string => join(scratch, name);
    await selfSigned({ file: file('ca.pem'), commonName: 'Tandem test CA', extensions: CA_EXTENSIONS }, file('ca-key.pem'));
    await selfSigned({ file: file('other-ca.pem'), commonName: 'Tandem unrelated test CA', extensions: CA_EXTENSIONS }, file('other-ca-key.pem'));
    const leaf = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];
    // The SAN is what clients check the broker's name against (hostname verification is on by
    // default in librdkafka 2.x and Node): the harness advertises 127.0.0.1; localhost for
    // whoever dials by name.
    await signed({ file: file('broker.pem'), commonName: 'localhost', extensions: [...leaf, 'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1,DNS:localhost'] }, file('broker-key.pem'), file('ca.pem'), file('ca-key.pem'));
    await signed({ file: file('client.pem'), commonName: 'tandem-test-client', extensions: [...leaf, 'extendedKeyUsage = clientAuth'] }, file('client-key.pem'), file('ca.pem'), file('ca-key.pem'));
    // Kafka's PEM keystore file: the private key and the certificate chain in one file (it
    // picks them out by their BEGIN lines, in any order). The chain ends with the CA so that a
    // client trusting only the CA can build the path from the handshake alone.
    const keystore = await Promise.all([file('broker-key.pem'), file('broker.pem'), file('ca.pem')].map((f) => readFile(f, 'utf8')));
    await writeFile(file('broker-keystore.pem'), keystore.join(''));
    for (const name of ['ca.cnf', 'other-ca.cnf', 'broker.cnf', 'client.cnf', 'broker.csr', 'client.csr']) await rm(file(name), { force: true });

    // rename() cannot replace a non-empty directory: move the old set aside first. Readers
    // outside the lock only ever see the old set, no set, or the new one.
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) await rename(dir, old);
    await rename(scratch, dir);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A new key in `keyFile` and a self-signed certificate for it (a CA). */
async function selfSigned(cert: CertProfile, keyFile: string): Promise<void> {
  await newKey(keyFile);
  const config = await writeConfig(cert);
  await openssl(['req', '-new', '-x509', '-key', keyFile, '-config', config, '-extensions', 'ext', '-days', String(VALIDITY_DAYS), '-sha256', '-set_serial', serial(), '-out', cert.file]);
}

/** A new key in `keyFile` and a certificate for it signed by the CA. */
async function signed(cert: CertProfile, keyFile: string, caFile: string, caKeyFile: string): Promise<void> {
  await newKey(keyFile);
  const config = await writeConfig(cert);
  const csr = cert.file.replace(/\.pem$/, '.csr');
  await openssl(['req', '-new', '-key', keyFile, '-config', config, '-out', csr]);
  // -extfile: x509 -req copies no extensions from the request, only those named here.
  await openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKeyFile, '-set_serial', serial(), '-days', String(VALIDITY_DAYS), '-sha256', '-extfile', config, '-extensions', 'ext', '-out', cert.file]);
}

/** RSA 2048; genpkey writes PKCS#8 and, without a cipher, unencrypted. */
async function newKey(keyFile: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]);
}

/**
 * An openssl config of our own for the request and its extensions: the system's openssl.cnf
 * differs between distributions (and adds extensions of its own to `req -x509`).
 */
async function writeConfig(cert: CertProfile): Promise<string> {
  const file = cert.file.replace(/\.pem$/, '.cnf');
  const text = ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${cert.commonName}`, '[ext]', ...cert.extensions, ''].join('\n');
  await writeFile(file, text);
  return file;
}

/** A random positive 64-bit serial: certificates of two generations never share one. */
function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] &= 0x7f;
  return `0x${bytes.toString('hex')}`;
}

async function openssl(args: string[]): Promise<void> {
  let result;
  try {
    result = await runCommand('openssl', args, { timeoutMs: 60_000 });
  } catch (error) {
    if (isNotFound(error)) throw new ToolError('tool-missing', 'no "openssl" on PATH: install it (apt-get install openssl) to generate the TLS test material');
    throw error;
  }
  if (result.timedOut || result.code !== 0) {
    const stderr = result.stderr.toString();
    const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`;
    throw new ToolError('tool-failed', `openssl ${args[0]} ${why}: ${lastErrorLine(stderr) ?? '(no output)'}`, stderr);
  }
}
