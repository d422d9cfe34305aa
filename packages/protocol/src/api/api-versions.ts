/**
 * ApiVersions (key 18): the first request on every connection. The broker lists, per API key,
 * the versions it accepts; the client then speaks min(ours, theirs) (see `negotiation.ts`).
 * From v3 the reply also carries the broker's feature levels, among them `transaction.version`,
 * which decides whether transactions run in the KIP-890 part 2 ("TV2") mode.
 *
 * Two quirks every client must handle (KIP-511, `ApiVersionsResponse.parse` in Java):
 * - The response header is v0 in every version, even the flexible ones, so that a client that
 *   does not yet know the broker can always read the correlation id.
 * - A broker that does not know the requested version answers UNSUPPORTED_VERSION (35) with a
 *   body in the **v0** layout, listing in ApiKeys its own ApiVersions range. Reading that body
 *   with the v3 schema fails or misreads it; {@link decodeApiVersionsResponse} falls back to v0
 *   and says so in `decodedVersion`.
 */
import { ProtocolError, invalid } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** The error code a broker answers an ApiVersions version it does not know with. */
export const UNSUPPORTED_VERSION_ERROR_CODE = 35;

/** An ApiVersions request. v0-2 have no fields. */
export interface ApiVersionsRequest {
  /**
   * v3+: the client library's name (KIP-511), e.g. `'tandem'`. Must match
   * `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?` or the broker answers INVALID_REQUEST.
   */
  readonly clientSoftwareName?: string;
  /** v3+: the client library's version, e.g. `'0.1.0'`; same pattern as the name. */
  readonly clientSoftwareVersion?: string;
}

/** One API's accepted version range, as a broker reports it. */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** A feature the broker supports, with its range of levels (v3+, tag 0). */
export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** A feature level finalized across the cluster (v3+, tag 2), e.g. `transaction.version`. */
export interface FinalizedFeature {
  readonly name: string;
  readonly maxVersionLevel: number;
  readonly minVersionLevel: number;
}

/** An ApiVersions response. */
export interface ApiVersionsResponse {
  readonly errorCode: number;
  /** The APIs the broker accepts. On UNSUPPORTED_VERSION: only ApiVersions' own range. */
  readonly apiKeys: readonly ApiVersionRange[];
  /** v1+. */
  readonly throttleTimeMs: number;
  /** v3+, tag 0. Before v4, features whose min level is 0 are left out (KAFKA-17011). */
  readonly supportedFeatures: readonly SupportedFeature[];
  /** v3+, tag 1; -1n if unknown. `finalizedFeatures` is valid only when this is >= 0. */
  readonly finalizedFeaturesEpoch: bigint;
  /** v3+, tag 2. */
  readonly finalizedFeatures: readonly FinalizedFeature[];
  /** v3+, tag 3: a KRaft controller's ZooKeeper-migration flag; brokers leave it false. */
  readonly zkMigrationReady: boolean;
  /**
   * The version whose layout the body was read with: the requested one, or 0 when the broker
   * answered UNSUPPORTED_VERSION in the v0 layout. Absent on responses built by hand.
   */
  readonly decodedVersion?: number;
}

/** What the response encoder accepts (mock brokers): the tagged and later fields may be left out. */
export type ApiVersionsResponseInput = Pick<ApiVersionsResponse, 'errorCode' | 'apiKeys'> & Partial<ApiVersionsResponse>;

// ApiVersionsRequest (v0-v4; flexible from v3; header v2 from v3)
//   v0-v2  (empty)
//   v3+    client_software_name     COMPACT_STRING
//          client_software_version  COMPACT_STRING
//          TAG_BUFFER
// v4 changes only the response (KAFKA-17011: features with min level 0 are no longer dropped).
const request = defineMessage<ApiVersionsRequest>({
  name: 'ApiVersionsRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+', ignorable: true },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+', ignorable: true },
  ],
});

// ApiVersionsResponse (v0-v4; flexible from v3; response header v0 ALWAYS)
//   error_code          INT16
//   api_keys            [ApiVersion]
//     api_key           INT16
//     min_version       INT16
//     max_version       INT16
//   throttle_time_ms    INT32                       v1+
//   TAG_BUFFER                                      v3+, with:
//     0: supported_features      [name COMPACT_STRING, min_version INT16, max_version INT16]
//     1: finalized_features_epoch INT64 (default -1)
//     2: finalized_features      [name COMPACT_STRING, max_version_level INT16, min_version_level INT16]
//     3: zk_migration_ready      BOOLEAN
const response = defineMessage<ApiVersionsResponse, ApiVersionsResponseInput>({
  name: 'ApiVersionsResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'apiKeys',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'apiKey', type: 'int16', versions: '0+' },
        { name: 'minVersion', type: 'int16', versions: '0+' },
        { name: 'maxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    {
      name: 'supportedFeatures',
      type: '[]',
      versions: '3+',
      tag: 0,
      taggedVersions: '3+',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'minVersion', type: 'int16', versions: '3+' },
        { name: 'maxVersion', type: 'int16', versions: '3+' },
      ],
    },
    { name: 'finalizedFeaturesEpoch', type: 'int64', versions: '3+', tag: 1, taggedVersions: '3+', default: -1n },
    {
      name: 'finalizedFeatures',
      type: '[]',
      versions: '3+',
      tag: 2,
      taggedVersions: '3+',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'minVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    { name: 'zkMigrationReady', type: 'bool', versions: '3+', tag: 3, taggedVersions: '3+', default: false },
  ],
});

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/**
 * True if `s` is a valid v3+ client software name or version (the broker's
 * `ApiVersionsRequest.isValid` pattern), e.g. `'tandem'`, `'0.1.0'`; false for `'1.0-'` or `''`.
 */
export function isValidClientSoftwareString(s: string): boolean {
  return SOFTWARE_PATTERN.test(s);
}

/**
 * Reads an ApiVersions response body requested at `version`, falling back to the v0 layout the
 * way Java does: a reply with error UNSUPPORTED_VERSION is read as v0 directly (brokers always
 * write it so), and any other body that does not parse at `version` is retried as v0 before
 * giving up. `decodedVersion` tells which layout was used.
 */
export function decodeApiVersionsResponse(input: Reader | Buffer, version: number): ApiVersionsResponse {
  response.checkVersion(version);
  const r = input instanceof Reader ? input : new Reader(input);
  const start = r.pos;
  const whole = !(input instanceof Reader);
  const readAs = (v: number, mustFill: boolean): ApiVersionsResponse => {
    r.pos = start;
    const body = response.decode(r, v);
    if (mustFill && r.remaining !== 0) throw invalid(`${r.remaining} byte(s) left after ApiVersionsResponse v${v}`);
    return { ...body, decodedVersion: v };
  };
  if (version === 0) return readAs(0, whole);
  if (r.remaining >= 2 && r.buf.readInt16BE(start) === UNSUPPORTED_VERSION_ERROR_CODE) {
    try {
      // Only if the v0 layout accounts for every byte: a v1/v2 body is v0 plus a throttle time.
      return readAs(0, true);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // Not a v0 body after all (a flexible reply with that error code): read it as asked.
    }
  }
  try {
    return readAs(version, whole);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    try {
      return readAs(0, whole);
    } catch {
      throw err;
    }
  }
}

/** ApiVersions (key 18): versions 0-4, flexible from 3; the response header is always v0. */
export const ApiVersions = defineApi({
  apiKey: ApiKey.ApiVersions,
  name: 'ApiVersions',
  request,
  response,
  responseHeaderAlwaysV0: true,
  encodeRequest: (w, version, req) => encodeApiVersionsRequest(w, version, req),
  decodeResponse: decodeApiVersionsResponse,
});

/**
 * Writes an ApiVersions request body. From v3 the software name and version are required and
 * checked against the broker's pattern (a bad one would get INVALID_REQUEST).
 *
 * @example
 * encodeApiVersionsRequest(w, 3, { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' })
 */
export function encodeApiVersionsRequest(w: Writer, version: number, req: ApiVersionsRequest = {}): void {
  if (version >= 3) {
    for (const [field, value] of [
      ['clientSoftwareName', req.clientSoftwareName],
      ['clientSoftwareVersion', req.clientSoftwareVersion],
    ] as const) {
      if (value === undefined || !isValidClientSoftwareString(value)) {
        throw invalid(`ApiVersionsRequest.${field} ${JSON.stringify(value)} must match [a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?`);
      }
    }
  }
  request.encode(w, version, req);
}

/**
 * The finalized level of a cluster feature, e.g. `finalizedFeatureLevel(res, 'transaction.version')`,
 * or 0 when the broker did not report it (pre-v3 replies, unknown epoch, feature not finalized).
 */
export function finalizedFeatureLevel(res: ApiVersionsResponse, feature: string): number {
  if (res.finalizedFeaturesEpoch < 0n) return 0;
  for (const f of res.finalizedFeatures) if (f.name === feature) return f.maxVersionLevel;
  return 0;
}
