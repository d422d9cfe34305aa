/**
 * @tandem/shared-memory: the contract between the application thread (@tandem/producer) and the
 * Sender worker (@tandem/sender). The data plane is the shared layout; the control plane is the
 * typed comlink interface. Neither side imports the other: they meet only here.
 */
export * from './layout.js';
export * from './control.js';
