/**
 * OAuthBearerTokens, the application thread's source of SASL/OAUTHBEARER tokens: unsigned
 * tokens shaped as Java's unsecured login makes them, the application's function (cached until
 * 80% of the token's life, one call however many connections ask), and an OAuth 2 token
 * endpoint asked with client credentials (a local HTTP server here; the broker's side of
 * OAUTHBEARER is test/integration/security.test.ts).
 */
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { OAuthBearerTokens } from '@tandem/producer/oauth-bearer-tokens';

function decodeJwt(token: string): { header: unknown; claims: Record<string, unknown>; signature: string } {
  const [header, claims, signature] = token.split('.');
  const part = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  return { header: part(header!), claims: part(claims!), signature: signature! };
}

test('an unsecured token is an unsigned JWS with the configured claims, iat and exp, and the extensions', async () => {
  const tokens = new OAuthBearerTokens({ kind: 'unsecured', claims: { sub: 'alice', n: 2 }, lifetimeSeconds: 60, extensions: { a: 'b' } });
  const before = Math.floor(Date.now() / 1000);
  const token = await tokens.get();
  const jwt = decodeJwt(token.value);
  assert.deepEqual(jwt.header, { alg: 'none' });
  assert.equal(jwt.signature, '');
  assert.equal(jwt.claims.sub, 'alice');
  assert.equal(jwt.claims.n, 2);
  assert.ok((jwt.claims.iat as number) >= before && (jwt.claims.exp as number) === (jwt.claims.iat as number) + 60);
  assert.deepEqual(token.extensions, { a: 'b' });
  assert.equal(await tokens.get(), token, 'reused while fresh');
});

test("the application's function is called once for concurrent requests, and again only when the token is 80% through its life", async () => {
  let calls = 0;
  const tokens = new OAuthBearerTokens({
    kind: 'provider',
    provide: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { value: `t${calls}`, lifetimeMs: 100, extensions: { n: String(calls) } };
    },
  });
  const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
  assert.equal(calls, 1);
  assert.equal(a, b);
  assert.deepEqual(a, { value: 't1', extensions: { n: '1' } });
  await new Promise((r) => setTimeout(r, 90));
  assert.equal((await tokens.get()).value, 't2');
});

test('a plain string from the function: its lifetime comes from the JWT exp claim, or it is used once', async () => {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
  let calls = 0;
  const withExp = new OAuthBearerTokens({ kind: 'provider', provide: () => (calls++, jwt) });
  await withExp.get();
  await withExp.get();
  assert.equal(calls, 1, 'a JWT with an hour left is reused');
  let opaqueCalls = 0;
  const opaque = new OAuthBearerTokens({ kind: 'provider', provide: () => `opaque-${++opaqueCalls}` });
  assert.equal((await opaque.get()).value, 'opaque-1');
  assert.equal((await opaque.get()).value, 'opaque-2');
  await assert.rejects(new OAuthBearerTokens({ kind: 'provider', provide: () => '' }).get(), /no token/);
  await assert.rejects(new OAuthBearerTokens({ kind: 'provider', provide: async () => { throw new Error('idp down'); } }).get(), /idp down/);
});

test('client credentials: a form POST with Basic auth and the scope; access_token and expires_in from the JSON answer; HTTP errors explained', async () => {
  const seen: Array<{ auth: string | undefined; type: string | undefined; body: string }> = [];
  let status = 200;
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? JSON.stringify({ access_token: `at-${seen.length}`, token_type: 'bearer', expires_in: 3600 }) : '{"error":"invalid_client"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  try {
    const tokens = new OAuthBearerTokens({ kind: 'clientCredentials', url, clientId: 'app id', clientSecret: 's:cret', scope: 'kafka', extensions: { x: 'y' } });
    assert.deepEqual(await tokens.get(), { value: 'at-1', extensions: { x: 'y' } });
    assert.equal((await tokens.get()).value, 'at-1', 'cached for 80% of expires_in');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.auth, `Basic ${Buffer.from('app%20id:s%3Acret').toString('base64')}`);
    assert.equal(seen[0]!.type, 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen[0]!.body)), { grant_type: 'client_credentials', scope: 'kafka' });
    status = 401;
    const refused = new OAuthBearerTokens({ kind: 'clientCredentials', url, clientId: 'a', clientSecret: 'b', scope: undefined, extensions: {} });
    await assert.rejects(refused.get(), /HTTP 401.*invalid_client/);
  } finally {
    server.close();
  }
});
