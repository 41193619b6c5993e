export { ENV_OVERLAY, type Env, type OverlayEntry } from './env-refs.js';
export { loadConfigFile, parseConfig } from './load-config.js';
export { configSchema, type DriftdConfigBody, type DriftdConfigInput } from './schema.js';
export { parseDuration, parseListenAddr } from './schema-primitives.js';
export type * from './types.js';
