/**
 * security.protocol and the ssl.* and sasl.* keys: checked, files read, and turned into the
 * plain {@link SecuritySettings} the Sender worker connects with.
 *
 * Kafka's own key names and meanings (Java's `SslConfigs`, `SaslConfigs`), with what Node.js can
 * honour: stores are PEM (or a PKCS#12 keystore), never JKS, which only a JVM reads; SASL is
 * PLAIN, SCRAM-SHA-256/512 or OAUTHBEARER (tokens from a function of the application's, an OAuth
 * 2 token endpoint, or unsigned for development). Everything else is refused with the reason at construction, as
 * Java refuses a bad value: a TLS setting accepted and then ignored would be worse.
 *
 * Files (ssl.truststore.location, ssl.keystore.location) are read here, on the application
 * thread, so that a wrong path is a ConfigError from the constructor rather than a connection
 * failure later in the worker.
 */
import { readFileSync } from 'node:fs';
import type { SaslMechanism, SaslSettings, SecuritySettings, TlsSettings } from '@tandem/shared-memory';
import { ConfigError } from '../errors.js';

/** The keys this module reads, besides security.protocol. */
export const SECURITY_KEYS = [
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'sasl.oauthbearer.token.provider',
  'sasl.oauthbearer.token.endpoint.url',
  'sasl.login.callback.handler.class',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.endpoint.identification.algorithm',
  'ssl.protocol',
  'ssl.enabled.protocols',
] as const;

/** One of {@link SECURITY_KEYS}. */
export type SecurityKey = (typeof SECURITY_KEYS)[number];

/**
 * Keys whose values are secrets: an error about one never shows the value (Java's Password
 * type prints `[hidden]`), since error messages end up in logs.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'sasl.jaas.config',
  'sasl.password',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.password',
  'ssl.keystore.key',
]);

const MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

/** The JAAS login module Java's client names for each mechanism. */
const LOGIN_MODULES: Readonly<Record<SaslMechanism, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
};

/** Java's login callback handler for KIP-768's client credentials flow (4.x name, and 3.x's). */
const OAUTH_LOGIN_HANDLERS = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
];

/** A token as a {@link OAuthBearerTokenProvider} may give it. */
export interface OAuthBearerTokenInput {
  /** The token (usually a JWT). */
  readonly value: string;
  /**
   * How long it may be used from now, in ms; by default read from a JWT's `exp` claim. The
   * producer asks again once 80% of it has passed (as Java refreshes); without it, for every
   * new connection.
   */
  readonly lifetimeMs?: number;
  /** SASL extensions to send with it (KIP-342), e.g. `{ logicalCluster: 'lkc-123' }`. */
  readonly extensions?: Readonly<Record<string, string>>;
}

/**
 * A function that gives the producer an OAuth bearer token for SASL/OAUTHBEARER: called on the
 * application thread when a connection needs a token and the last one is near its end. It may
 * call any identity SDK (cloud IAM, an OIDC library); a rejection fails the connection attempt
 * with an AuthenticationError carrying its message.
 */
export type OAuthBearerTokenProvider = () => string | OAuthBearerTokenInput | Promise<string | OAuthBearerTokenInput>;

/**
 * Where OAUTHBEARER tokens come from, as resolved from the configuration (application thread):
 * - `provider`: the application's function (`sasl.oauthbearer.token.provider`);
 * - `clientCredentials`: an OAuth 2 token endpoint, with Java's KIP-768 settings
 *   (`sasl.oauthbearer.token.endpoint.url`, and clientId, clientSecret, scope in
 *   sasl.jaas.config);
 * - `unsecured`: an unsigned token made here from sasl.jaas.config's
 *   `unsecuredLoginStringClaim_sub`, as Java's OAuthBearerUnsecuredLoginCallbackHandler makes
 *   them: for development brokers that validate with the unsecured validator only.
 */
export type OAuthBearerSource =
  | { readonly kind: 'provider'; readonly provide: OAuthBearerTokenProvider }
  | {
      readonly kind: 'clientCredentials';
      readonly url: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope: string | undefined;
      readonly extensions: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'unsecured';
      readonly claims: Readonly<Record<string, string | number>>;
      readonly lifetimeSeconds: number;
      readonly extensions: Readonly<Record<string, string>>;
    };

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

/** The configuration as given, and who set what (for messages); see resolve.ts. */
export interface SecurityInput {
  /** The value of a key, or undefined when unset. */
  value(key: SecurityKey): unknown;
  /** A ConfigError about a key's value. */
  error(key: SecurityKey | 'security.protocol', allowed: string, detail?: string): ConfigError;
}

/**
 * Resolves the security settings for `protocol` (already checked to be one of Kafka's four):
 * ssl.* keys only with SSL and SASL_SSL, sasl.* keys only with the SASL protocols.
 *
 * @throws ConfigError naming the key at fault.
 */
export function resolveSecurity(
  protocol: SecuritySettings['protocol'],
  input: SecurityInput,
): SecuritySettings & { readonly oauthBearer: OAuthBearerSource | null } {
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  // Java ignores the settings a protocol does not use; Tandem refuses them, as it refuses every
  // value it would ignore: ssl.* without TLS most likely means security.protocol was forgotten.
  for (const key of SECURITY_KEYS) {
    if (input.value(key) === undefined) continue;
    if (key.startsWith('ssl.') && !usesTls) {
      throw input.error(key, "unset unless 'security.protocol' is SSL or SASL_SSL",
        `TLS settings do nothing with security.protocol ${protocol}: set 'security.protocol' to SSL or SASL_SSL to use TLS.`);
    }
    if (key.startsWith('sasl.') && !usesSasl) {
      throw input.error(key, "unset unless 'security.protocol' is SASL_PLAINTEXT or SASL_SSL",
        `SASL settings do nothing with security.protocol ${protocol}: set 'security.protocol' to SASL_SSL (or SASL_PLAINTEXT) to authenticate.`);
    }
  }
  const tls = usesTls ? resolveTls(input) : null;
  if (!usesSasl) return { protocol, tls, sasl: null, oauthBearer: null };
  const mechanism = saslMechanism(input);
  if (mechanism === 'OAUTHBEARER') return { protocol, tls, sasl: { mechanism }, oauthBearer: resolveOAuthBearer(input) };
  for (const key of ['sasl.oauthbearer.token.provider', 'sasl.oauthbearer.token.endpoint.url', 'sasl.login.callback.handler.class'] as const) {
    if (input.value(key) !== undefined) throw input.error(key, "unset unless 'sasl.mechanism' is OAUTHBEARER");
  }
  return { protocol, tls, sasl: resolveCredentials(mechanism, input), oauthBearer: null };
}

// ------------------------------------------------------------------------------------ SASL

function saslMechanism(input: SecurityInput): SaslMechanism {
  const given = input.value('sasl.mechanism');
  if (given === undefined) {
    throw input.error('sasl.mechanism', MECHANISMS.map((m) => `'${m}'`).join(', '),
      "It is required with a SASL security.protocol: Java's default, GSSAPI (Kerberos), is not implemented.");
  }
  const mechanism = MECHANISMS.find((m) => m === given);
  if (mechanism === undefined) {
    throw input.error('sasl.mechanism', MECHANISMS.map((m) => `'${m}'`).join(', '), given === 'GSSAPI' ? 'Kerberos (GSSAPI) is not implemented.' : undefined);
  }
  return mechanism;
}

/** PLAIN and SCRAM: a user name and password. */
function resolveCredentials(mechanism: Exclude<SaslMechanism, 'OAUTHBEARER'>, input: SecurityInput): SaslSettings {
  const jaas = input.value('sasl.jaas.config');
  const username = input.value('sasl.username');
  const password = input.value('sasl.password');
  if (jaas !== undefined) {
    if (username !== undefined || password !== undefined) {
      throw input.error(username !== undefined ? 'sasl.username' : 'sasl.password', "unset when 'sasl.jaas.config' is set",
        "Give the credentials once: in 'sasl.jaas.config' (Java's way) or in 'sasl.username' and 'sasl.password'.");
    }
    const parsed = jaasEntry(input, jaas, mechanism);
    const module = LOGIN_MODULES[mechanism];
    const user = parsed.options.get('username');
    const pass = parsed.options.get('password');
    if (user === undefined || pass === undefined) {
      throw input.error('sasl.jaas.config', `${module} required username="..." password="...";`,
        `Option '${user === undefined ? 'username' : 'password'}' is missing.`);
    }
    return { mechanism, username: user, password: pass };
  }
  if (typeof username !== 'string' || username === '') {
    throw input.error(username === undefined ? 'sasl.jaas.config' : 'sasl.username', 'the SASL credentials',
      `Set 'sasl.jaas.config' (e.g. ${LOGIN_MODULES[mechanism]} required username="alice" password="...";), or 'sasl.username' and 'sasl.password'.`);
  }
  if (typeof password !== 'string') throw input.error('sasl.password', "a string, with 'sasl.username'");
  return { mechanism, username, password };
}

/** OAUTHBEARER: where tokens come from (one source, named by the keys that are set). */
function resolveOAuthBearer(input: SecurityInput): OAuthBearerSource {
  for (const key of ['sasl.username', 'sasl.password'] as const) {
    if (input.value(key) !== undefined) throw input.error(key, 'unset with OAUTHBEARER', 'OAUTHBEARER authenticates with a token, not a password.');
  }
  const provider = input.value('sasl.oauthbearer.token.provider');
  const url = input.value('sasl.oauthbearer.token.endpoint.url');
  const jaasText = input.value('sasl.jaas.config');
  const module = LOGIN_MODULES.OAUTHBEARER;
  if (provider !== undefined) {
    if (typeof provider !== 'function') throw input.error('sasl.oauthbearer.token.provider', 'a function returning a token (or a promise of one)');
    for (const key of ['sasl.oauthbearer.token.endpoint.url', 'sasl.jaas.config'] as const) {
      if (input.value(key) !== undefined) {
        throw input.error(key, "unset with 'sasl.oauthbearer.token.provider'", 'The token provider is the one source of tokens.');
      }
    }
    return { kind: 'provider', provide: provider as OAuthBearerTokenProvider };
  }
  if (jaasText === undefined) {
    throw input.error('sasl.jaas.config', `${module} required ...;`,
      "OAUTHBEARER needs a token source: 'sasl.oauthbearer.token.provider' (a function), or 'sasl.oauthbearer.token.endpoint.url' with clientId and clientSecret in 'sasl.jaas.config'.");
  }
  const jaas = jaasEntry(input, jaasText, 'OAUTHBEARER');
  const handler = input.value('sasl.login.callback.handler.class');
  if (handler !== undefined && (url === undefined || !OAUTH_LOGIN_HANDLERS.includes(handler as string))) {
    throw input.error('sasl.login.callback.handler.class', `${OAUTH_LOGIN_HANDLERS[0]}, with 'sasl.oauthbearer.token.endpoint.url'`,
      'Tandem has no Java callback handlers; it fetches tokens from the endpoint itself.');
  }
  const prefixed = (prefix: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, value] of jaas.options) if (name.startsWith(prefix) && name.length > prefix.length) out[name.slice(prefix.length)] = value;
    return out;
  };
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw input.error('sasl.oauthbearer.token.endpoint.url', 'an http(s) URL of an OAuth 2 token endpoint');
    const clientId = jaas.options.get('clientId');
    const clientSecret = jaas.options.get('clientSecret');
    if (clientId === undefined || clientSecret === undefined) {
      throw input.error('sasl.jaas.config', `${module} required clientId="..." clientSecret="..." [scope="..."];`,
        `The client credentials flow needs '${clientId === undefined ? 'clientId' : 'clientSecret'}'.`);
    }
    return { kind: 'clientCredentials', url, clientId, clientSecret, scope: jaas.options.get('scope'), extensions: prefixed('extension_') };
  }
  const claims: Record<string, string | number> = prefixed('unsecuredLoginStringClaim_');
  for (const [name, value] of Object.entries(prefixed('unsecuredLoginNumberClaim_'))) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw input.error('sasl.jaas.config', 'numbers in unsecuredLoginNumberClaim_ options', `'${name}' is ${value}.`);
    claims[name] = n;
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw input.error('sasl.jaas.config', `${module} required unsecuredLoginStringClaim_sub="...";, or a token source`,
      "Give 'sasl.oauthbearer.token.provider' or 'sasl.oauthbearer.token.endpoint.url' for real tokens; unsecured tokens (for development brokers) need a subject.");
  }
  const lifetime = Number(jaas.options.get('unsecuredLoginLifetimeSeconds') ?? 3600);
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw input.error('sasl.jaas.config', 'a positive integer unsecuredLoginLifetimeSeconds');
  return { kind: 'unsecured', claims, lifetimeSeconds: lifetime, extensions: prefixed('unsecuredLoginExtension_') };
}

/** sasl.jaas.config parsed, and naming the login module of `mechanism`; else a ConfigError. */
function jaasEntry(input: SecurityInput, text: unknown, mechanism: SaslMechanism): JaasConfig {
  if (typeof text !== 'string') throw input.error('sasl.jaas.config', 'a JAAS configuration string');
  const parsed = parseJaasConfig(text);
  if (typeof parsed === 'string') throw input.error('sasl.jaas.config', 'a JAAS configuration string', parsed);
  const module = LOGIN_MODULES[mechanism];
  if (parsed.loginModule !== module) throw input.error('sasl.jaas.config', `${module} for sasl.mechanism ${mechanism}`, `It names ${parsed.loginModule}.`);
  return parsed;
}

/** A JAAS configuration entry: `<LoginModule> <flag> key="value" ...;`. */
export interface JaasConfig {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

/**
 * Parses one JAAS login-module entry as Kafka's `sasl.jaas.config` takes it (Java's
 * `JaasConfig`: exactly one module, a control flag, options as `name=value` where the value is
 * a quoted string with backslash escapes or a bare word, and a closing `;`).
 *
 * @returns the entry, or a sentence saying what is wrong.
 */
export function parseJaasConfig(text: string): JaasConfig | string {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < text.length && /[^\s=;"]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  skipSpace();
  const loginModule = word();
  if (loginModule === '') return 'It must start with a login module class name.';
  skipSpace();
  const flag = word();
  if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag)) {
    return `After the login module comes a control flag (required, requisite, sufficient or optional), not '${flag}'.`;
  }
  const options = new Map<string, string>();
  for (;;) {
    skipSpace();
    if (i >= text.length) return "It must end with ';'.";
    if (text[i] === ';') {
      i++;
      skipSpace();
      return i === text.length ? { loginModule, flag, options } : 'Only one login module entry is allowed.';
    }
    const name = word();
    skipSpace();
    if (name === '' || text[i] !== '=') return `Expected name="value" at offset ${i}.`;
    i++;
    skipSpace();
    let value: string;
    if (text[i] === '"') {
      i++;
      value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) return `The value of '${name}' has no closing quote.`;
      i++;
    } else {
      value = word();
      if (value === '') return `The option '${name}' has no value.`;
    }
    options.set(name, value);
  }
}

// ------------------------------------------------------------------------------------- TLS

function resolveTls(input: SecurityInput): TlsSettings {
  const ca = trustedCertificates(input);
  const { cert, key, pfx, passphrase } = clientIdentity(input);
  const { minVersion, maxVersion } = tlsVersions(input);
  const algorithm = input.value('ssl.endpoint.identification.algorithm');
  if (algorithm !== undefined && algorithm !== null && algorithm !== 'https' && algorithm !== '') {
    throw input.error('ssl.endpoint.identification.algorithm', "'https' (the default: the broker's certificate must name its host) or '' (no host name check)");
  }
  return { ca, cert, key, pfx, passphrase, verifyHostname: algorithm !== '' && algorithm !== null, minVersion, maxVersion };
}

/** ssl.truststore.*: the CAs that sign the brokers' certificates, or undefined for Node's own list. */
function trustedCertificates(input: SecurityInput): string | undefined {
  const type = optionalString(input, 'ssl.truststore.type');
  if (type !== undefined && type.toUpperCase() !== 'PEM') {
    throw input.error('ssl.truststore.type', "'PEM'",
      'Only a JVM reads JKS and Node.js takes no PKCS#12 trust store: export the CA certificates as PEM (keytool -exportcert -rfc, or openssl pkcs12 -nokeys).');
  }
  if (input.value('ssl.truststore.password') !== undefined) {
    throw input.error('ssl.truststore.password', 'unset', 'A PEM trust store has no password.');
  }
  const location = optionalString(input, 'ssl.truststore.location');
  const inline = optionalString(input, 'ssl.truststore.certificates');
  if (location !== undefined && inline !== undefined) {
    throw input.error('ssl.truststore.certificates', "unset when 'ssl.truststore.location' is set", 'Give the CA certificates once.');
  }
  if (location === undefined && inline === undefined) return undefined;
  const key = location !== undefined ? 'ssl.truststore.location' : 'ssl.truststore.certificates';
  const pem = location !== undefined ? readText(input, 'ssl.truststore.location', location) : inline!;
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw input.error(key, 'PEM certificates (-----BEGIN CERTIFICATE-----)', location !== undefined ? `${location} holds none.` : undefined);
  }
  return pem;
}

/** ssl.keystore.* and ssl.key.password: the client's own certificate, for brokers that ask for one. */
function clientIdentity(input: SecurityInput): Pick<TlsSettings, 'cert' | 'key' | 'pfx' | 'passphrase'> {
  const type = (optionalString(input, 'ssl.keystore.type') ?? 'PEM').toUpperCase();
  if (type !== 'PEM' && type !== 'PKCS12') {
    throw input.error('ssl.keystore.type', "'PEM' or 'PKCS12'", 'Only a JVM reads JKS: convert it with keytool -importkeystore -deststoretype PKCS12.');
  }
  const location = optionalString(input, 'ssl.keystore.location');
  const chain = optionalString(input, 'ssl.keystore.certificate.chain');
  const inlineKey = optionalString(input, 'ssl.keystore.key');
  const storePassword = optionalString(input, 'ssl.keystore.password');
  const keyPassword = optionalString(input, 'ssl.key.password');
  if (location !== undefined && (chain !== undefined || inlineKey !== undefined)) {
    throw input.error(chain !== undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key', "unset when 'ssl.keystore.location' is set",
      'Give the client certificate once: in a file, or as PEM text.');
  }
  if ((chain === undefined) !== (inlineKey === undefined)) {
    throw input.error(chain === undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key', "set together with the other",
      "'ssl.keystore.certificate.chain' and 'ssl.keystore.key' are the two halves of the client's identity.");
  }
  if (chain !== undefined) {
    if (type !== 'PEM') throw input.error('ssl.keystore.type', "'PEM' with 'ssl.keystore.certificate.chain'");
    return { cert: chain, key: inlineKey, pfx: undefined, passphrase: keyPassword };
  }
  if (location === undefined) return { cert: undefined, key: undefined, pfx: undefined, passphrase: undefined };
  if (type === 'PKCS12') {
    return { cert: undefined, key: undefined, pfx: readBytes(input, location), passphrase: keyPassword ?? storePassword };
  }
  // A PEM keystore file holds the private key and the certificate chain together (Kafka's rule).
  const pem = readText(input, 'ssl.keystore.location', location);
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem) && !/-----BEGIN RSA PRIVATE KEY-----|-----BEGIN EC PRIVATE KEY-----/.test(pem)) {
    throw input.error('ssl.keystore.location', 'a PEM file with the private key and its certificate chain', `${location} holds no private key.`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw input.error('ssl.keystore.location', 'a PEM file with the private key and its certificate chain', `${location} holds no certificate.`);
  }
  return { cert: pem, key: pem, pfx: undefined, passphrase: keyPassword ?? storePassword };
}

/** ssl.protocol and ssl.enabled.protocols, as the lowest and highest TLS version to offer. */
function tlsVersions(input: SecurityInput): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const allowed = "'TLSv1.2' or 'TLSv1.3'";
  const protocol = optionalString(input, 'ssl.protocol') ?? 'TLSv1.3';
  if (protocol !== 'TLS' && !isTlsVersion(protocol)) {
    throw input.error('ssl.protocol', `${allowed} (or 'TLS')`, 'Older protocols are insecure, and Node.js turns them off.');
  }
  const enabledGiven = input.value('ssl.enabled.protocols');
  let enabled: string[];
  if (enabledGiven === undefined) enabled = [...TLS_VERSIONS];
  else if (typeof enabledGiven === 'string') enabled = enabledGiven.split(',').map((s) => s.trim()).filter((s) => s !== '');
  else if (Array.isArray(enabledGiven) && enabledGiven.every((s) => typeof s === 'string')) enabled = enabledGiven as string[];
  else throw input.error('ssl.enabled.protocols', `a list of ${allowed}`);
  const bad = enabled.find((v) => !isTlsVersion(v));
  if (bad !== undefined || enabled.length === 0) {
    throw input.error('ssl.enabled.protocols', `a list of ${allowed}`, bad !== undefined ? `'${bad}' is not one.` : undefined);
  }
  const versions = enabled as TlsVersion[];
  const minVersion = versions.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
  const maxVersion = versions.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2';
  // Java's ssl.protocol picks the SSLContext; the enabled list decides what is offered. A
  // TLSv1.2 context cannot speak 1.3, so it caps the range.
  return { minVersion, maxVersion: protocol === 'TLSv1.2' ? 'TLSv1.2' : maxVersion };
}

function isTlsVersion(v: string): v is TlsVersion {
  return (TLS_VERSIONS as readonly string[]).includes(v);
}

function optionalString(input: SecurityInput, key: SecurityKey): string | undefined {
  const value = input.value(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw input.error(key, 'a string');
  return value;
}

function readText(input: SecurityInput, key: SecurityKey, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw input.error(key, 'a readable file', `Reading ${path} failed: ${(err as Error).message}`);
  }
}

function readBytes(input: SecurityInput, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw input.error('ssl.keystore.location', 'a readable file', `Reading ${path} failed: ${(err as Error).message}`);
  }
}
