import { connect } from 'node:net';
import { Reader, Writer } from '@tandem/protocol';

/**
 * The harness's readiness check: one Metadata v1 request over a plain socket.
 *
 * Deliberately tiny and independent of Tandem's own Metadata codec (packages/protocol/src/api),
 * so that a bug there cannot make the harness believe a broken broker is up, and the harness
 * works while that codec is being written. v1 is the oldest version with the broker list and
 * the controller id, and every broker from 0.10 to 4.x still answers it (KIP-896 kept
 * Metadata v0-v13).
 *
 * A KRaft broker lists itself only once it has registered with the controller and been
 * unfenced, so "the response lists N brokers" means "N brokers can take produce requests".
 */

/** A broker as the Metadata response lists it. */
export interface ProbedBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** What the probe learned. */
export interface MetadataProbe {
  brokers: ProbedBroker[];
  controllerId: number;
}

const METADATA_API_KEY = 3;
const METADATA_VERSION = 1;

/**
 * Sends one Metadata v1 request (all topics) to `host:port` and decodes the broker list.
 * Rejects on connection errors, a malformed answer, or no answer within `timeoutMs`.
 */
export function probeMetadata(host: string, port: number, timeoutMs = 2_000): Promise<MetadataProbe> {
  return new Promise((resolve, reject) => {
    const correlationId = (Math.random() * 0x7fffffff) | 0;
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no Metadata answer from ${host}:${port} in ${timeoutMs} ms`)));
    socket.on('error', fail);
    socket.on('connect', () => socket.write(metadataRequest(correlationId)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const size = head.readInt32BE(0);
      if (received < 4 + size) return;
      socket.destroy();
      try {
        resolve(decodeMetadataResponse(Buffer.concat(chunks).subarray(4, 4 + size), correlationId));
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.on('close', () => reject(new Error(`${host}:${port} closed the connection before answering Metadata`)));
  });
}

/**
 * Request header v1 and a Metadata v1 body, framed:
 *
 *   Request => Size RequestHeader MetadataRequest
 *     Size => INT32
 *     RequestHeader v1 => api_key INT16 api_version INT16 correlation_id INT32 client_id NULLABLE_STRING
 *     MetadataRequest v1 => topics ARRAY(name STRING)   (null array = all topics)
 */
function metadataRequest(correlationId: number): Buffer {
  const w = new Writer(64);
  w.int32(0); // size, patched below
  w.int16(METADATA_API_KEY);
  w.int16(METADATA_VERSION);
  w.int32(correlationId);
  w.string('tandem-test-harness');
  w.array<string>(null, (writer, name) => writer.string(name));
  w.patchInt32(0, w.pos - 4);
  return w.finish();
}

/**
 *   ResponseHeader v0 => correlation_id INT32
 *   MetadataResponse v1 => brokers ARRAY(node_id INT32 host STRING port INT32 rack NULLABLE_STRING)
 *                          controller_id INT32 topics ARRAY(...)
 * The topics are not read: only the brokers matter here.
 */
function decodeMetadataResponse(body: Buffer, correlationId: number): MetadataProbe {
  const r = new Reader(body);
  const got = r.int32();
  if (got !== correlationId) throw new Error(`Metadata answer carries correlation id ${got}, expected ${correlationId}`);
  const brokers = r.array((br) => ({
    nodeId: br.int32(),
    host: br.string(),
    port: br.int32(),
    rack: br.nullableString(),
  }));
  return { brokers, controllerId: r.int32() };
}
