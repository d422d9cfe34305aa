/**
 * Kafka API keys (the `apiKey` of each `msg/*Request.json`, Java's `ApiKeys`), for the APIs a
 * producer speaks. The full list is longer; these are the ones Tandem has codecs for, plus a few
 * whose numbers turn up in ApiVersions replies and logs.
 */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  SaslAuthenticate: 36,
  DescribeCluster: 60,
} as const;

/** The name of an API in {@link ApiKey}, e.g. `'Produce'`. */
export type ApiName = keyof typeof ApiKey;

/** An API key number. Any int16 may arrive from a broker; the named ones are in {@link ApiKey}. */
export type ApiKeyNumber = number;

const NAMES = new Map<number, ApiName>(Object.entries(ApiKey).map(([name, key]) => [key, name as ApiName]));

/** The name of an API key for messages, e.g. `apiKeyName(0) === 'Produce'`; `ApiKey(99)` if unknown. */
export function apiKeyName(apiKey: number): string {
  return NAMES.get(apiKey) ?? `ApiKey(${apiKey})`;
}
