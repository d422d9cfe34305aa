import type { ClusterOptions, ListenerSpec, SecurityProtocol } from './topology.js';
import { tlsFiles } from './tls.js';

/**
 * What SSL, SASL_PLAINTEXT and SASL_SSL listeners add to a broker: PEM key and trust stores for
 * TLS, and for SASL the mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with one user, plus
 * OAUTHBEARER with unsecured tokens (see {@link SASL_MECHANISMS}). The settings are per listener
 * (`listener.name.<name>.…`), so PLAINTEXT listeners, the inter-broker one and the controller's
 * stay as they are. No authorizer: an authenticated user may do anything, as on a broker without
 * ACLs.
 */

/** The one SASL user every SASL listener knows, for PLAIN and SCRAM (OAUTHBEARER takes any `sub`). */
export const SASL_USER = 'alice';
/** {@link SASL_USER}'s password. */
export const SASL_PASSWORD = 'alice-secret';

/** A SASL mechanism the harness's SASL listeners enable. */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/**
 * The mechanisms every SASL listener enables.
 *
 * OAUTHBEARER takes unsecured JWS tokens, checked by the broker's default validator
 * (OAuthBearerUnsecuredValidatorCallbackHandler): `base64url(header).base64url(claims).`, both
 * parts without "=" padding and the signature part empty, so the token ends in "."; the
 * header's `alg` must be `none`; the claims need a non-blank string `sub`, which names the
 * principal (User:<sub>; any name gets in, {@link SASL_USER} by convention), and a number
 * `exp`, in seconds, later than the broker's clock (no skew allowed). `iat` is optional (a
 * number, not in the future, before `exp`); no scope is required. A refused token gets the
 * client a challenge `{"status":"invalid_token"}`, and the error after the client's %x01 says
 * the same, never which rule failed.
 *
 * `exp` also bounds the connection, although re-authentication is off
 * (`connections.max.reauth.ms` unset, which would only cap it further): the broker answers
 * with a session lifetime of `exp` minus now and closes the connection at the first request
 * after it, unless the client re-authenticated on that connection (KIP-368) in time. So a
 * test picks a token lifetime simply by the `exp` it writes.
 */
export const SASL_MECHANISMS: readonly SaslMechanism[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const);

/** Whether a listener of this protocol speaks TLS. */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** Whether a listener of this protocol authenticates with SASL. */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/**
 * The listeners of the `security` cluster: one of each protocol, plus MTLS, an SSL listener that
 * requires a client certificate. SSL only requests one, so a client may come with or without.
 * PLAINTEXT comes first: it is the inter-broker listener, the one the harness probes, and the
 * one tests create topics and read back through.
 */
export const SECURITY_LISTENERS: readonly ListenerSpec[] = Object.freeze([
  { name: 'PLAINTEXT', protocol: 'PLAINTEXT' },
  { name: 'SSL', protocol: 'SSL', clientAuth: 'requested' },
  { name: 'MTLS', protocol: 'SSL', clientAuth: 'required' },
  { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT' },
  { name: 'SASL_SSL', protocol: 'SASL_SSL' },
] satisfies ListenerSpec[]);

/**
 * The one-broker cluster `security` with {@link SECURITY_LISTENERS}. Every test that needs
 * secured listeners starts it with these same options, so the second one reuses the broker the
 * first one started (other options under the same name would fail with `already-running`).
 *
 * @example
 * ```ts
 * const cluster = await startCluster(SECURITY_CLUSTER);
 * const tls = await tlsMaterial();
 * // cluster.listenerBootstrap.SASL_SSL, with tls.caPem, SASL_USER and SASL_PASSWORD
 * after(() => stopCluster(SECURITY_CLUSTER));
 * ```
 */
export const SECURITY_CLUSTER: Readonly<ClusterOptions> = Object.freeze({ name: 'security', listeners: SECURITY_LISTENERS });

/**
 * The broker properties one listener adds (none for PLAINTEXT). TLS: PEM stores, a keystore
 * file with the broker's key and chain, the test CA as truststore (it verifies client
 * certificates), and the listener's `ssl.client.auth`. SASL: the enabled mechanisms and one
 * JAAS login module per mechanism (OAUTHBEARER's without options: see {@link SASL_MECHANISMS}).
 */
export function listenerSecurityProperties(listener: ListenerSpec): Record<string, string> {
  const prefix = `listener.name.${listener.name.toLowerCase()}.`;
  const properties: Record<string, string> = {};
  if (usesTls(listener.protocol)) {
    const tls = tlsFiles();
    // A PEM keystore takes no store password (Kafka refuses one); the key is unencrypted, so
    // no ssl.key.password either (Kafka 4.x reads unencrypted PKCS#8 from a keystore file).
    properties[`${prefix}ssl.keystore.type`] = 'PEM';
    properties[`${prefix}ssl.keystore.location`] = tls.brokerKeystoreFile;
    properties[`${prefix}ssl.truststore.type`] = 'PEM';
    properties[`${prefix}ssl.truststore.location`] = tls.caFile;
    properties[`${prefix}ssl.client.auth`] = listener.clientAuth ?? 'none';
  }
  if (usesSasl(listener.protocol)) {
    properties[`${prefix}sasl.enabled.mechanisms`] = SASL_MECHANISMS.join(',');
    // PLAIN checks passwords against the `user_<name>` options of its login module.
    properties[`${prefix}plain.sasl.jaas.config`] = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER}="${SASL_PASSWORD}";`;
    // SCRAM checks them against the credentials in the cluster metadata (see scramFormatArguments).
    for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
      properties[`${prefix}${mechanism}.sasl.jaas.config`] = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
    // OAUTHBEARER: with no `oauthbearer.sasl.server.callback.handler.class`, the broker validates
    // tokens with OAuthBearerUnsecuredValidatorCallbackHandler (options unsecuredValidator*,
    // none set: principal claim `sub`, no required scope, no clock skew). The login module
    // needs no options: unsecuredLoginStringClaim_sub would only give the broker a token of its
    // own for connecting out over this listener, which it never does (inter-broker is PLAINTEXT).
    properties[`${prefix}oauthbearer.sasl.jaas.config`] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
  }
  return properties;
}

/**
 * `kafka-storage format` arguments that add {@link SASL_USER}'s SCRAM credentials, if any
 * listener uses SASL; none otherwise. In KRaft, SCRAM credentials are metadata records; the
 * format tool writes them into the bootstrap snapshot, so they exist before the broker first
 * accepts a connection (the alternative, kafka-configs against the running broker, needs a
 * second JVM and a wait for the record to propagate). Syntax as in the tool's help (3.5+):
 * `--add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]'`.
 */
export function scramFormatArguments(listeners: readonly ListenerSpec[]): string[] {
  if (!listeners.some((l) => usesSasl(l.protocol))) return [];
  return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${SASL_USER},password=${SASL_PASSWORD}]`]);
}
