/**
 * The producer's configuration: keys with Java's names and defaults, validation at
 * construction, presets.
 */
export { resolveProducerConfig } from './resolve.js';
export { presets, withPreset, PRESET_NAMES } from './presets.js';
export type { PresetConfig } from './presets.js';
export {
  PRODUCER_CONFIG_KEYS,
  PRODUCER_CONFIG_KEY_NAMES,
  UNSUPPORTED_JAVA_KEYS,
  suggestKey,
} from './keys.js';
export type { ProducerConfigKey, KeyDef, IntegerKeyDef, BooleanKeyDef, EnumKeyDef, SpecialKeyDef } from './keys.js';
export { toSenderConfig, COMPRESSION_IDS } from './sender-config.js';
export type * from './types.js';
export type { OAuthBearerSource, OAuthBearerTokenInput, OAuthBearerTokenProvider } from './security.js';
