/**
 * `--producer-props` for Java clients: the AdminClient that creates the benchmark's topic, and
 * the Java producer (`--client java`). The security settings (security.protocol, ssl.*,
 * sasl.*) are put in the form a Java client needs where Tandem's defaults differ from Java's:
 * Tandem reads PEM stores (Java assumes JKS unless told), and takes librdkafka's sasl.username
 * and sasl.password, which Java knows only as a JAAS string.
 */

/** Tandem's own keys, which a Java client does not know. */
const TANDEM_ONLY = new Set(['sasl.username', 'sasl.password', 'sasl.oauthbearer.token.provider']);

const LOGIN_MODULES: Readonly<Record<string, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

/** The security settings among `producerProps`, for a Java client (the AdminClient takes only these). */
export function javaSecurityConfig(producerProps: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(producerProps)) {
    if ((key.startsWith('security.') || key.startsWith('ssl.') || key.startsWith('sasl.')) && !TANDEM_ONLY.has(key)) out[key] = value;
  }
  if (out['ssl.truststore.location'] !== undefined || out['ssl.truststore.certificates'] !== undefined) out['ssl.truststore.type'] ??= 'PEM';
  if (out['ssl.keystore.location'] !== undefined || out['ssl.keystore.certificate.chain'] !== undefined) out['ssl.keystore.type'] ??= 'PEM';
  const user = producerProps['sasl.username'];
  const module = LOGIN_MODULES[producerProps['sasl.mechanism'] ?? ''];
  if (user !== undefined && module !== undefined && out['sasl.jaas.config'] === undefined) {
    const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    out['sasl.jaas.config'] = `${module} required username=${quote(user)} password=${quote(producerProps['sasl.password'] ?? '')};`;
  }
  return out;
}

/** Every one of `producerProps` a Java producer knows, the security settings in Java's form. */
export function javaProducerConfig(producerProps: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(producerProps)) if (!TANDEM_ONLY.has(key)) out[key] = value;
  return { ...out, ...javaSecurityConfig(producerProps) };
}
