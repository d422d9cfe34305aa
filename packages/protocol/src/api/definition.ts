/**
 * What Tandem knows about one API: its key, the versions we speak, when it turns flexible, which
 * header versions go with it, and the four codecs (request and response, each way). One
 * {@link ApiDefinition} per API module; the Sender needs only `encodeRequest` and
 * `decodeResponse`, tests and mock brokers use the other two.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import type { ExternalChunk, MessageSchema } from './schema.js';

/** Everything Tandem knows about one Kafka API. */
export interface ApiDefinition<Req, Res, ReqIn = Req, ResIn = Res> {
  /** Kafka's API key. */
  readonly apiKey: number;
  /** Kafka's API name, e.g. `'Produce'`. */
  readonly name: string;
  /** Lowest version we speak. */
  readonly minVersion: number;
  /** Highest version we speak. */
  readonly maxVersion: number;
  /** First flexible version (compact encodings, tag buffers, header v2/v1), or `Infinity`. */
  readonly firstFlexibleVersion: number;
  /** The request body codec. */
  readonly request: MessageSchema<Req, ReqIn>;
  /** The response body codec. */
  readonly response: MessageSchema<Res, ResIn>;
  /** True if `version` is flexible. */
  isFlexible(version: number): boolean;
  /** Request header version for `version`: 2 if flexible, else 1. */
  requestHeaderVersion(version: number): 1 | 2;
  /** Response header version for `version`: 1 if flexible, else 0 (always 0 for ApiVersions). */
  responseHeaderVersion(version: number): 0 | 1;
  /** Writes a request body. */
  encodeRequest(w: Writer, version: number, request: ReqIn, externals?: ExternalChunk[] | null): void;
  /** Reads a request body (mock brokers, tests). */
  decodeRequest(input: Reader | Buffer, version: number): Req;
  /** Writes a response body (mock brokers, tests). */
  encodeResponse(w: Writer, version: number, response: ResIn): void;
  /** Reads a response body. Throws only ProtocolError. */
  decodeResponse(input: Reader | Buffer, version: number): Res;
}

/** Options of {@link defineApi}. */
export interface DefineApiOptions<Req, Res, ReqIn, ResIn> {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSchema<Req, ReqIn>;
  readonly response: MessageSchema<Res, ResIn>;
  /** ApiVersions: the response header stays v0 in every version (KIP-511). */
  readonly responseHeaderAlwaysV0?: boolean;
  /** Replaces the schema's request encoder (to add checks the schema cannot express). */
  readonly encodeRequest?: (w: Writer, version: number, request: ReqIn, externals?: ExternalChunk[] | null) => void;
  /** Replaces the schema's response decoder (ApiVersions' v0 fallback). */
  readonly decodeResponse?: (input: Reader | Buffer, version: number) => Res;
}

/**
 * Builds an {@link ApiDefinition} from a request and a response schema. The two must agree on
 * the version range and on flexibility, which is checked here, at module load.
 */
export function defineApi<Req, Res, ReqIn = Req, ResIn = Res>(
  options: DefineApiOptions<Req, Res, ReqIn, ResIn>,
): ApiDefinition<Req, Res, ReqIn, ResIn> {
  const { request, response } = options;
  if (request.minVersion !== response.minVersion || request.maxVersion !== response.maxVersion) {
    throw new Error(`${options.name}: request and response schemas cover different versions`);
  }
  if (request.firstFlexibleVersion !== response.firstFlexibleVersion) {
    throw new Error(`${options.name}: request and response schemas turn flexible at different versions`);
  }
  const alwaysV0 = options.responseHeaderAlwaysV0 === true;
  return {
    apiKey: options.apiKey,
    name: options.name,
    minVersion: request.minVersion,
    maxVersion: request.maxVersion,
    firstFlexibleVersion: request.firstFlexibleVersion,
    request,
    response,
    isFlexible: (version) => request.isFlexible(version),
    requestHeaderVersion: (version) => (request.isFlexible(version) ? 2 : 1),
    responseHeaderVersion: (version) => (!alwaysV0 && response.isFlexible(version) ? 1 : 0),
    encodeRequest: options.encodeRequest ?? ((w, version, value, externals = null) => request.encode(w, version, value, externals)),
    decodeRequest: (input, version) => request.decode(input, version),
    encodeResponse: (w, version, value) => response.encode(w, version, value),
    decodeResponse: options.decodeResponse ?? ((input, version) => response.decode(input, version)),
  };
}
