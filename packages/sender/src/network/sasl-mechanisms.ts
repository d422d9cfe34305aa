/**
 * The client side of the SASL mechanisms Tandem speaks, as token exchanges: each mechanism
 * gives its first token, then turns each server token into the next one, until it is done.
 * The tokens travel in SaslAuthenticate requests (see network-client.ts); this module knows
 * nothing of Kafka's framing.
 *
 * - PLAIN (RFC 4616): one token, `authzid NUL user NUL password`, with an empty authzid, as
 *   Java's PlainSaslClient sends. Send it over TLS only: the password is in the clear.
 * - OAUTHBEARER (RFC 7628): the token the application's token source gave, in one message.
 * - SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677): client-first, server-first,
 *   client-final with the proof, then the server's signature, which is checked, so a server
 *   that does not know the password cannot pass for the broker. No channel binding (gs2 header
 *   `n,,`), as Kafka's. Passwords are used as their UTF-8 bytes (Kafka's ScramFormatter does
 *   no SASLprep either).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OAuthBearerToken, SaslSettings } from '@tandem/shared-memory';

/** A mechanism's failure on the client side (a malformed or dishonest server answer). */
export class SaslMechanismError extends Error {
  override readonly name = 'SaslMechanismError';
}

/** One authentication's exchange, from the client's side. */
export interface SaslExchange {
  /** The first token to send. */
  first(): Buffer;
  /**
   * The token to send after the server's `token`, or null when the exchange is complete.
   * @throws SaslMechanismError when the server's token is malformed or fails verification.
   */
  next(token: Buffer): Buffer | null;
  /** An error the server sent as a challenge (OAUTHBEARER), for the failure's message. */
  readonly serverError?: string | null;
}

/** What an exchange needs besides the settings. */
export interface SaslExchangeOptions {
  /** OAUTHBEARER: the token to present (required for that mechanism). */
  readonly token?: OAuthBearerToken;
  /** SCRAM: the client nonce (random by default; fixed only to check known vectors). */
  readonly nonce?: string;
}

/** Starts an exchange for the configured mechanism and credentials. */
export function startSaslExchange(settings: SaslSettings, options: SaslExchangeOptions = {}): SaslExchange {
  const nonce = options.nonce ?? randomBytes(24).toString('base64');
  switch (settings.mechanism) {
    case 'PLAIN':
      return new PlainExchange(settings.username, settings.password);
    case 'SCRAM-SHA-256':
      return new ScramExchange('sha256', settings.username, settings.password, nonce);
    case 'SCRAM-SHA-512':
      return new ScramExchange('sha512', settings.username, settings.password, nonce);
    case 'OAUTHBEARER':
      if (options.token === undefined) throw new SaslMechanismError('OAUTHBEARER needs a token');
      return new OAuthBearerExchange(options.token);
  }
}

/** RFC 7628's key-value separator (^A). */
const KVSEP = '\u0001';

/**
 * OAUTHBEARER (RFC 7628): one client message, `n,,^Aauth=Bearer <token>^A<ext>=<value>^A...^A`.
 * The broker answers an accepted token with nothing, a refused one with an error (JSON) as a
 * challenge, which the client acknowledges with a lone ^A before the broker fails the
 * authentication; the JSON is kept in {@link serverError} for the message.
 */
class OAuthBearerExchange implements SaslExchange {
  /** The broker's error challenge, if it sent one. */
  serverError: string | null = null;
  private answered = false;

  constructor(private readonly token: OAuthBearerToken) {}

  first(): Buffer {
    let extensions = '';
    for (const [name, value] of Object.entries(this.token.extensions)) extensions += `${name}=${value}${KVSEP}`;
    return Buffer.from(`n,,${KVSEP}auth=Bearer ${this.token.value}${KVSEP}${extensions}${KVSEP}`, 'utf8');
  }

  next(token: Buffer): Buffer | null {
    if (token.length === 0 || this.answered) return null;
    this.serverError = token.toString('utf8');
    this.answered = true;
    return Buffer.from(KVSEP, 'utf8');
  }
}

class PlainExchange implements SaslExchange {
  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  first(): Buffer {
    return Buffer.from(`\u0000${this.username}\u0000${this.password}`, 'utf8');
  }

  next(): null {
    // The broker answers PLAIN with an empty token: nothing more to say.
    return null;
  }
}

/** Kafka's minimum iteration count for SCRAM-SHA-256 and -512 (ScramMechanism.minIterations). */
const MIN_ITERATIONS = 4096;

/** The gs2 header without channel binding or authorization id, and its base64 (`biws`). */
const GS2_HEADER = 'n,,';

type ScramState = 'initial' | 'sent-first' | 'sent-final' | 'done';

class ScramExchange implements SaslExchange {
  private state: ScramState = 'initial';
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | null = null;

  constructor(
    private readonly hash: 'sha256' | 'sha512',
    username: string,
    private readonly password: string,
    private readonly clientNonce: string,
  ) {
    this.clientFirstBare = `n=${saslName(username)},r=${clientNonce}`;
  }

  first(): Buffer {
    this.state = 'sent-first';
    return Buffer.from(GS2_HEADER + this.clientFirstBare, 'utf8');
  }

  next(token: Buffer): Buffer | null {
    switch (this.state) {
      case 'sent-first':
        return this.clientFinal(token.toString('utf8'));
      case 'sent-final':
        this.verifyServerFinal(token.toString('utf8'));
        this.state = 'done';
        return null;
      default:
        throw new SaslMechanismError(`SCRAM: unexpected server message in state ${this.state}`);
    }
  }

  private clientFinal(serverFirst: string): Buffer {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('e')) throw new SaslMechanismError(`SCRAM: the server refused: ${attrs.get('e')}`);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) {
      throw new SaslMechanismError(`SCRAM: malformed server-first message '${serverFirst}'`);
    }
    if (!nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new SaslMechanismError('SCRAM: the server nonce does not extend the client nonce');
    }
    if (iterations < MIN_ITERATIONS) {
      throw new SaslMechanismError(`SCRAM: ${iterations} iterations is below the minimum of ${MIN_ITERATIONS}`);
    }
    const keyLength = this.hash === 'sha256' ? 32 : 64;
    const saltedPassword = pbkdf2Sync(Buffer.from(this.password, 'utf8'), Buffer.from(salt, 'base64'), iterations, keyLength, this.hash);
    const clientKey = this.hmac(saltedPassword, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.serverSignature = this.hmac(this.hmac(saltedPassword, 'Server Key'), authMessage);
    this.state = 'sent-final';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  private verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs.has('e')) throw new SaslMechanismError(`SCRAM: the server refused: ${attrs.get('e')}`);
    const v = attrs.get('v');
    const expected = this.serverSignature!;
    const got = v === undefined ? Buffer.alloc(0) : Buffer.from(v, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new SaslMechanismError('SCRAM: the server signature is wrong (the server does not know the password)');
    }
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.hash, key).update(data, 'utf8').digest();
  }
}

/** A user name as SCRAM writes it: `=` and `,` escaped as `=3D` and `=2C` (RFC 5802 5.1). */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** `a=1,b=2` into a map (values may contain `=`, never `,`). */
function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}
