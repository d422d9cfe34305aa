/**
 * Request and response codecs, one module per API, over a small table-driven schema
 * interpreter (`schema.ts`); headers and frames; the registry of supported APIs; and version
 * negotiation from an ApiVersions reply.
 */
export * from './api-keys.js';
export * from './schema.js';
export * from './definition.js';
export * from './header.js';
export * from './frame.js';
export * from './registry.js';
export * from './negotiation.js';
export * from './api-versions.js';
export * from './metadata.js';
export * from './produce.js';
export * from './init-producer-id.js';
export * from './find-coordinator.js';
export * from './add-partitions-to-txn.js';
export * from './add-offsets-to-txn.js';
export * from './end-txn.js';
export * from './txn-offset-commit.js';
export * from './sasl-handshake.js';
export * from './sasl-authenticate.js';
