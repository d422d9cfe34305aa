/**
 * OAuth bearer tokens for SASL/OAUTHBEARER, on the application thread: the Sender worker asks
 * for one when a connection authenticates (AppEvents.oauthTokenNeeded), and this gives the
 * cached token while it is fresh, else gets a new one from the configured source: the
 * application's function, an OAuth 2 token endpoint (client credentials, as Java's KIP-768
 * login handler), or an unsigned token made here (Java's unsecured login, for development
 * brokers). A token is used until 80% of its lifetime has passed, as Java's refresh thread
 * replaces it; one request at a time, however many connections ask.
 *
 * Exported as `@tandem/producer/oauth-bearer-tokens` for Tandem's own unit tests only: not a
 * public API.
 */
import type { OAuthBearerToken } from '@tandem/shared-memory';
import type { OAuthBearerSource, OAuthBearerTokenInput } from './config/security.js';

/** The share of a token's lifetime after which a new one is fetched (Java's default refresh window factor). */
const REFRESH_FACTOR = 0.8;
/** How long a token endpoint may take to answer. */
const ENDPOINT_TIMEOUT_MS = 10_000;

interface Cached {
  readonly token: OAuthBearerToken;
  /** When to stop handing it out (ms since the epoch); 0 means use once. */
  readonly refreshAt: number;
}

/** Gives tokens from one {@link OAuthBearerSource}. */
export class OAuthBearerTokens {
  private cached: Cached | null = null;
  private inFlight: Promise<OAuthBearerToken> | null = null;

  constructor(private readonly source: OAuthBearerSource) {}

  /** A token to authenticate with now. Rejects with the reason when the source fails. */
  get(): Promise<OAuthBearerToken> {
    const c = this.cached;
    if (c !== null && Date.now() < c.refreshAt) return Promise.resolve(c.token);
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<OAuthBearerToken> {
    const fetchedAt = Date.now();
    const { token, lifetimeMs } = await this.fromSource();
    this.cached = lifetimeMs === undefined ? null : { token, refreshAt: fetchedAt + lifetimeMs * REFRESH_FACTOR };
    return token;
  }

  private async fromSource(): Promise<{ token: OAuthBearerToken; lifetimeMs: number | undefined }> {
    const s = this.source;
    switch (s.kind) {
      case 'provider': {
        const given = await s.provide();
        const input: OAuthBearerTokenInput = typeof given === 'string' ? { value: given } : given;
        if (input === null || typeof input !== 'object' || typeof input.value !== 'string' || input.value === '') {
          throw new Error("sasl.oauthbearer.token.provider returned no token (a string, or { value: string })");
        }
        return {
          token: { value: input.value, extensions: { ...(input.extensions ?? {}) } },
          lifetimeMs: input.lifetimeMs ?? jwtLifetimeMs(input.value),
        };
      }
      case 'clientCredentials':
        return clientCredentialsToken(s);
      case 'unsecured': {
        const nowSeconds = Math.floor(Date.now() / 1000);
        const claims = { ...s.claims, iat: nowSeconds, exp: nowSeconds + s.lifetimeSeconds };
        return { token: { value: unsecuredJws(claims), extensions: { ...s.extensions } }, lifetimeMs: s.lifetimeSeconds * 1000 };
      }
    }
  }
}

/**
 * Java's KIP-768 HttpAccessTokenRetriever, in short: POST grant_type=client_credentials (and
 * the scope) with the client's id and secret as HTTP Basic credentials; the answer's
 * access_token is the token, expires_in (or the JWT's exp) its lifetime.
 */
async function clientCredentialsToken(s: Extract<OAuthBearerSource, { kind: 'clientCredentials' }>): Promise<{ token: OAuthBearerToken; lifetimeMs: number | undefined }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (s.scope !== undefined) body.set('scope', s.scope);
  const basic = Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`).toString('base64');
  let response: Response;
  try {
    response = await fetch(s.url, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(`the token endpoint ${s.url} did not answer: ${(err as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`the token endpoint ${s.url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  let answer: { access_token?: unknown; expires_in?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`the token endpoint ${s.url} answered with something other than JSON: ${text.slice(0, 200)}`);
  }
  if (typeof answer.access_token !== 'string' || answer.access_token === '') {
    throw new Error(`the token endpoint ${s.url} answered without an access_token`);
  }
  const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : undefined;
  return { token: { value: answer.access_token, extensions: { ...s.extensions } }, lifetimeMs: expiresIn ?? jwtLifetimeMs(answer.access_token) };
}

/** An unsigned JWS (`alg: none`), as Java's OAuthBearerUnsecuredLoginCallbackHandler makes. */
function unsecuredJws(claims: Record<string, string | number>): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

/** Time left until a JWT's `exp` claim, in ms, or undefined if the token is not a JWT with one. */
export function jwtLifetimeMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? Math.max(0, exp * 1000 - Date.now()) : undefined;
  } catch {
    return undefined;
  }
}
