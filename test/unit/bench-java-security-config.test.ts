/**
 * `bench perf` against a secured listener: Kafka's Java AdminClient (which creates the topic) and
 * the Java producer (`--client java`) get the producer's security settings in the form Java needs
 * (benchmarks/perf/java-security-config.ts): PEM store types made explicit (Java assumes JKS),
 * librdkafka's sasl.username/sasl.password as a JAAS string; the AdminClient nothing else of the
 * producer's settings. The benchmarks are their own TypeScript project, so the compiled module is
 * imported at run time.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

type JavaConfig = (producerProps: Readonly<Record<string, string>>) => Record<string, string>;
// This file runs as test/dist/unit/bench-java-security-config.test.js.
const moduleUrl = new URL('../../../benchmarks/dist/perf/java-security-config.js', import.meta.url).href;
const { javaSecurityConfig: adminClientConfig, javaProducerConfig } = (await import(moduleUrl)) as { javaSecurityConfig: JavaConfig; javaProducerConfig: JavaConfig };

test('a plaintext producer gives the admin client nothing', () => {
  assert.deepEqual(adminClientConfig({ acks: '1', 'linger.ms': '5' }), {});
});

test('TLS settings pass with the PEM store types Java needs spelled out', () => {
  assert.deepEqual(adminClientConfig({ acks: 'all', 'security.protocol': 'SSL', 'ssl.truststore.location': '/ca.pem', 'ssl.keystore.location': '/me.pem' }), {
    'security.protocol': 'SSL',
    'ssl.truststore.location': '/ca.pem',
    'ssl.truststore.type': 'PEM',
    'ssl.keystore.location': '/me.pem',
    'ssl.keystore.type': 'PEM',
  });
  assert.equal(adminClientConfig({ 'ssl.keystore.location': '/me.p12', 'ssl.keystore.type': 'PKCS12' })['ssl.keystore.type'], 'PKCS12');
});

test('sasl.username and sasl.password become the JAAS string of the mechanism, quotes escaped; a JAAS string passes as it is', () => {
  assert.deepEqual(adminClientConfig({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'sasl.password': 'pa"ss' }), {
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pa\\"ss";',
  });
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";';
  assert.equal(adminClientConfig({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': jaas })['sasl.jaas.config'], jaas);
});

test("the Java producer gets every setting it knows, the security ones in Java's form, none of Tandem's own", () => {
  assert.deepEqual(javaProducerConfig({ acks: '1', 'linger.ms': '5', 'security.protocol': 'SASL_SSL', 'ssl.truststore.location': '/ca.pem', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 'p' }), {
    acks: '1',
    'linger.ms': '5',
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': '/ca.pem',
    'ssl.truststore.type': 'PEM',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
  });
});
