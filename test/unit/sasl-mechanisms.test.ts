/**
 * The SASL mechanisms' client side, token by token: PLAIN's single message, and SCRAM-SHA-256
 * against the worked example of RFC 7677 section 3 (user "user", password "pencil"), including
 * the check of the server's signature that keeps an impostor from passing for the broker.
 * The real brokers' side is test/integration/security.test.ts.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { SaslMechanismError, reauthenticationTime, startSaslExchange } from '@tandem/sender';

const RFC7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function scram256(nonce = RFC7677.clientNonce) {
  return startSaslExchange({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil' }, { nonce });
}

test('PLAIN sends NUL user NUL password once and is done after the broker answers', () => {
  const exchange = startSaslExchange({ mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' });
  assert.deepEqual(exchange.first(), Buffer.from('\0alice\0alice-secret'));
  assert.equal(exchange.next(Buffer.alloc(0)), null);
});

test('SCRAM-SHA-256 produces RFC 7677 messages and accepts the server signature', () => {
  const exchange = scram256();
  assert.equal(exchange.first().toString(), RFC7677.clientFirst);
  assert.equal(exchange.next(Buffer.from(RFC7677.serverFirst))!.toString(), RFC7677.clientFinal);
  assert.equal(exchange.next(Buffer.from(RFC7677.serverFinal)), null);
});

test('SCRAM refuses a server signature computed without the password', () => {
  const exchange = scram256();
  exchange.first();
  exchange.next(Buffer.from(RFC7677.serverFirst));
  assert.throws(() => exchange.next(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')), SaslMechanismError);
});

test('SCRAM refuses a server nonce that does not extend the client nonce, and too few iterations', () => {
  const bad = scram256();
  bad.first();
  assert.throws(() => bad.next(Buffer.from('r=someoneElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')), /nonce/);
  const weak = scram256();
  weak.first();
  assert.throws(() => weak.next(Buffer.from(`r=${RFC7677.clientNonce}xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024`)), /iterations/);
});

test('SCRAM escapes = and , in user names and reports a server error message', () => {
  const exchange = startSaslExchange({ mechanism: 'SCRAM-SHA-512', username: 'a=b,c', password: 'p' }, { nonce: 'nonce' });
  assert.equal(exchange.first().toString(), 'n,,n=a=3Db=2Cc,r=nonce');
  assert.throws(() => exchange.next(Buffer.from('e=unknown-user')), /unknown-user/);
});

test('OAUTHBEARER sends the token and its extensions in RFC 7628 form, and acknowledges an error challenge', () => {
  const token = { value: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.', extensions: { traceId: 'abc', logicalCluster: 'lkc-1' } };
  const accepted = startSaslExchange({ mechanism: 'OAUTHBEARER' }, { token });
  assert.equal(accepted.first().toString(), `n,,\x01auth=Bearer ${token.value}\x01traceId=abc\x01logicalCluster=lkc-1\x01\x01`);
  assert.equal(accepted.next(Buffer.alloc(0)), null);
  const refused = startSaslExchange({ mechanism: 'OAUTHBEARER' }, { token: { value: 'x', extensions: {} } });
  assert.equal(refused.first().toString(), 'n,,\x01auth=Bearer x\x01\x01');
  assert.equal(refused.next(Buffer.from('{"status":"invalid_token"}'))!.toString(), '\x01');
  assert.equal(refused.serverError, '{"status":"invalid_token"}');
  assert.throws(() => startSaslExchange({ mechanism: 'OAUTHBEARER' }), SaslMechanismError);
});

test('a SASL session is renewed at 85-95% of the lifetime the broker gave, and never without one', () => {
  assert.equal(reauthenticationTime(1000, 10_000, 0), 1000 + 8500);
  assert.ok(Math.abs(reauthenticationTime(1000, 10_000, 0.999999) - (1000 + 9499.999)) < 1e-6);
  assert.ok(reauthenticationTime(1000, 10_000, 0.5) > 1000 + 8500 && reauthenticationTime(1000, 10_000, 0.5) < 1000 + 9500);
  assert.equal(reauthenticationTime(1000, 0, 0.5), Infinity);
});
