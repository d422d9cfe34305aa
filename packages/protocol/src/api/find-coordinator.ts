/**
 * FindCoordinator (key 10): which broker coordinates a consumer group (key type 0) or a
 * transactional id (key type 1). A transactional producer asks for its transaction coordinator
 * before InitProducerId, and for the group coordinator before TxnOffsetCommit.
 *
 * We speak v0-v6. v1 adds KeyType (v0 can only find group coordinators); v3 is flexible; v4
 * batches keys (KIP-699): the request carries CoordinatorKeys instead of Key, and the response a
 * list of Coordinators instead of one NodeId/Host/Port. v5 TRANSACTION_ABORTABLE; v6 share
 * groups (KIP-932). {@link encodeFindCoordinatorRequest} takes a list of keys at every version
 * and checks that v0-v3 get exactly one.
 */
import { ProtocolError } from '../errors.js';
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** FindCoordinator key types. */
export const CoordinatorType = {
  group: 0,
  transaction: 1,
  share: 2,
} as const;

/** A FindCoordinator request. */
export interface FindCoordinatorRequest {
  /** v0-v3: the one key (group id or transactional id). */
  readonly key?: string;
  /** v1+: a {@link CoordinatorType} value; 0 (group) before v1. */
  readonly keyType?: number;
  /** v4+: the keys, batched. */
  readonly coordinatorKeys?: readonly string[];
}

/** The coordinator of one key (v4+), or of the one key (v0-v3, built from the flat fields). */
export interface Coordinator {
  readonly key: string;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** A FindCoordinator response, as on the wire for its version. */
export interface FindCoordinatorResponse {
  /** v1+. */
  readonly throttleTimeMs: number;
  /** v0-v3. */
  readonly errorCode: number;
  /** v1-v3. */
  readonly errorMessage: string | null;
  /** v0-v3. */
  readonly nodeId: number;
  /** v0-v3. */
  readonly host: string;
  /** v0-v3. */
  readonly port: number;
  /** v4+. */
  readonly coordinators: readonly Coordinator[];
}

// FindCoordinatorRequest (v0-v6; flexible from v3)
//   key                STRING      v0-v3
//   key_type           INT8        v1+ (default 0)
//   coordinator_keys   [STRING]    v4+
//   TAG_BUFFER         v3+
const request = defineMessage<FindCoordinatorRequest>({
  name: 'FindCoordinatorRequest',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+' },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
});

// FindCoordinatorResponse (v0-v6; flexible from v3)
//   throttle_time_ms   INT32             v1+
//   error_code         INT16             v0-v3
//   error_message      NULLABLE_STRING   v1-v3
//   node_id            INT32             v0-v3
//   host               STRING            v0-v3
//   port               INT32             v0-v3
//   coordinators       [Coordinator]     v4+
//     key              STRING
//     node_id          INT32
//     host             STRING
//     port             INT32
//     error_code       INT16
//     error_message    NULLABLE_STRING
//   TAG_BUFFER (after each struct)  v3+
const response = defineMessage<FindCoordinatorResponse>({
  name: 'FindCoordinatorResponse',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3', ignorable: true, default: null },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    {
      name: 'coordinators',
      type: '[]',
      versions: '4+',
      fields: [
        { name: 'key', type: 'string', versions: '4+' },
        { name: 'nodeId', type: 'int32', versions: '4+' },
        { name: 'host', type: 'string', versions: '4+' },
        { name: 'port', type: 'int32', versions: '4+' },
        { name: 'errorCode', type: 'int16', versions: '4+' },
        { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+', ignorable: true, default: null },
      ],
    },
  ],
});

/**
 * Writes a FindCoordinator request body for `keys` of one `keyType`, in the shape `version`
 * wants: `key` for v0-v3 (exactly one key), `coordinatorKeys` for v4+. Throws
 * ERR_TANDEM_PROTOCOL_UNSUPPORTED for several keys before v4, or a non-group key at v0.
 *
 * @example
 * encodeFindCoordinatorRequest(w, 6, { keyType: CoordinatorType.transaction, keys: ['my-txn'] })
 */
export function encodeFindCoordinatorRequest(
  w: Writer,
  version: number,
  req: { readonly keyType: number; readonly keys: readonly string[] },
): void {
  request.checkVersion(version);
  if (version < 4 && req.keys.length !== 1) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
      `FindCoordinator v${version} takes exactly one key, got ${req.keys.length} (batching needs v4+)`,
    );
  }
  request.encode(w, version, version < 4 ? { key: req.keys[0]!, keyType: req.keyType } : { keyType: req.keyType, coordinatorKeys: req.keys });
}

/** FindCoordinator (key 10): versions 0-6, flexible from 3. */
export const FindCoordinator = defineApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  request,
  response,
});

/** Reads a FindCoordinator response body, as on the wire. Throws only ProtocolError. */
export function decodeFindCoordinatorResponse(input: Reader | Buffer, version: number): FindCoordinatorResponse {
  return response.decode(input, version);
}

/**
 * The coordinators of a response in the v4+ shape at every version: v0-v3 replies (one key,
 * flat fields) become a one-element list for `keys[0]`.
 */
export function coordinatorsOf(res: FindCoordinatorResponse, version: number, keys: readonly string[]): Coordinator[] {
  if (version >= 4) return [...res.coordinators];
  return [
    {
      key: keys[0] ?? '',
      nodeId: res.nodeId,
      host: res.host,
      port: res.port,
      errorCode: res.errorCode,
      errorMessage: res.errorMessage,
    },
  ];
}
