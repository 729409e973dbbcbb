/** The config/policy file: loading, schema, `nhi init` template and the published JSON Schema. */
export { ConfigError } from './errors.js';
export {
  CONFIG_FILE_NAMES,
  defaultConfig,
  loadConfig,
  parseConfig,
  configSchema,
  type LoadedConfig,
  type OwnersConfig,
} from './load.js';
export { type ConfigFile } from './schema.js';
export { initConfigTemplate, schemaReference, shippedSchemaPath } from './template.js';
export { configJsonSchema } from './json-schema.js';
export type { Policy, PolicyException, RuleOverride, RulePolicy } from '../scoring/policy.js';
