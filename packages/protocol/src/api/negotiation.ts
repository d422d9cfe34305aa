/**
 * Version negotiation: from a broker's ApiVersions reply, the version of each API to speak to
 * it. The rule is Java's (`NodeApiVersions.latestUsableVersion`): the highest version both
 * sides accept, i.e. min(our max, broker max), provided it is not below either minimum.
 *
 * Two rules on top of that:
 * - We never go below our own minimum, whatever the broker advertises. 4.x brokers still
 *   advertise Produce min 0 but reject v0-v2 (KAFKA-18659); our Produce minimum is 3.
 * - Transactions without transaction.version 2 (reference §6, KIP-890 part 2): brokers read
 *   Produce v12, EndTxn v5 and TxnOffsetCommit v5 as "this client runs TV2". So unless the
 *   cluster has finalized `transaction.version >= 2`, EndTxn and TxnOffsetCommit are capped at
 *   v4, and a transactional producer's Produce at v11 (Java 4.x: `ProduceRequest.builder(data,
 *   useTransactionV1Version)`, `EndTxnRequest.Builder`, `TxnOffsetCommitRequest`'s
 *   LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2). AddPartitionsToTxn is always capped at v3 by its
 *   own range (v4+ is for brokers).
 */
import { ApiKey, apiKeyName } from './api-keys.js';
import { finalizedFeatureLevel, type ApiVersionRange, type ApiVersionsResponse } from './api-versions.js';
import { SUPPORTED_APIS } from './registry.js';

/** An inclusive range of versions. */
export interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The versions Tandem speaks, per API key (from each API's definition). */
export const SUPPORTED_VERSIONS: ReadonlyMap<number, VersionRange> = new Map(
  SUPPORTED_APIS.map((api) => [api.apiKey, { minVersion: api.minVersion, maxVersion: api.maxVersion }]),
);

/**
 * Version caps that apply while the cluster's finalized `transaction.version` is below 2.
 * `Produce` applies to transactional producers only.
 */
export const TRANSACTION_V1_CAPS = {
  produceTransactional: 11,
  endTxn: 4,
  txnOffsetCommit: 4,
} as const;

/** Options of {@link negotiateVersions}. */
export interface NegotiationOptions {
  /**
   * The cluster's finalized `transaction.version`. Default: read from the reply's
   * FinalizedFeatures (0 when absent, e.g. a pre-v3 reply or a 3.x cluster).
   */
  readonly transactionVersion?: number;
  /** The producer is transactional (caps Produce at v11 without TV2). Default false. */
  readonly transactional?: boolean;
  /** Our ranges; default {@link SUPPORTED_VERSIONS}. Narrow them to pin versions in tests. */
  readonly ours?: ReadonlyMap<number, VersionRange>;
}

/** An API we cannot speak with this broker. */
export interface UnsupportedApi {
  readonly apiKey: number;
  /** e.g. `'Produce'`. */
  readonly name: string;
  /** Our range (after the TV1 caps). */
  readonly ours: VersionRange;
  /** What the broker advertised, or null if it does not list the API at all. */
  readonly broker: VersionRange | null;
}

/** The outcome of {@link negotiateVersions}. */
export interface NegotiatedVersions {
  /** The version to use per API key, for every API both sides speak. */
  readonly versions: ReadonlyMap<number, number>;
  /** Our APIs the broker lacks or whose ranges do not overlap ours. */
  readonly unsupported: readonly UnsupportedApi[];
  /** The `transaction.version` the caps were computed for. */
  readonly transactionVersion: number;
}

/**
 * Picks, for each API we speak, min(our max, broker max), and lists the APIs with no common
 * version.
 *
 * @example
 * const { versions, unsupported } = negotiateVersions(apiVersionsResponse, { transactional: true });
 * const produceVersion = versions.get(ApiKey.Produce); // undefined if unsupported
 */
export function negotiateVersions(
  broker: ApiVersionsResponse | readonly ApiVersionRange[],
  options: NegotiationOptions = {},
): NegotiatedVersions {
  const ranges: readonly ApiVersionRange[] = Array.isArray(broker) ? broker : (broker as ApiVersionsResponse).apiKeys;
  const transactionVersion =
    options.transactionVersion ??
    (Array.isArray(broker) ? 0 : finalizedFeatureLevel(broker as ApiVersionsResponse, 'transaction.version'));
  const brokerByKey = new Map<number, VersionRange>();
  for (const r of ranges) brokerByKey.set(r.apiKey, { minVersion: r.minVersion, maxVersion: r.maxVersion });

  const versions = new Map<number, number>();
  const unsupported: UnsupportedApi[] = [];
  for (const [apiKey, range] of options.ours ?? SUPPORTED_VERSIONS) {
    const ours = capped(apiKey, range, transactionVersion, options.transactional === true);
    const theirs = brokerByKey.get(apiKey) ?? null;
    const version = theirs === null ? -1 : Math.min(ours.maxVersion, theirs.maxVersion);
    if (theirs === null || version < ours.minVersion || version < theirs.minVersion) {
      unsupported.push({ apiKey, name: apiKeyName(apiKey), ours, broker: theirs });
    } else {
      versions.set(apiKey, version);
    }
  }
  return { versions, unsupported, transactionVersion };
}

function capped(apiKey: number, range: VersionRange, transactionVersion: number, transactional: boolean): VersionRange {
  if (transactionVersion >= 2) return range;
  let cap = Infinity;
  if (apiKey === ApiKey.EndTxn) cap = TRANSACTION_V1_CAPS.endTxn;
  else if (apiKey === ApiKey.TxnOffsetCommit) cap = TRANSACTION_V1_CAPS.txnOffsetCommit;
  else if (apiKey === ApiKey.Produce && transactional) cap = TRANSACTION_V1_CAPS.produceTransactional;
  return cap >= range.maxVersion ? range : { minVersion: range.minVersion, maxVersion: cap };
}

/**
 * The ApiVersions version to retry with after an UNSUPPORTED_VERSION reply, as Java does: the
 * broker's own ApiVersions max from the reply (capped by ours), or 0 if the reply names none.
 */
export function apiVersionsRetryVersion(reply: ApiVersionsResponse): number {
  const ours = SUPPORTED_VERSIONS.get(ApiKey.ApiVersions)!;
  for (const r of reply.apiKeys) {
    if (r.apiKey === ApiKey.ApiVersions) return Math.max(0, Math.min(ours.maxVersion, r.maxVersion));
  }
  return 0;
}
