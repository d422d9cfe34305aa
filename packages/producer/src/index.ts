/**
 * @tandem/producer: the application-thread API of Tandem.
 */
export * from './errors.js';
export * from './partitioner/index.js';
export * from './config/index.js';
export * from './serializers.js';
