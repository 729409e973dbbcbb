/** The JSON Schema published at schema/nhi.config.schema.json (kept current by a test). */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://unpkg.com/nhi/schema/nhi.config.schema.json',
    title: 'nhi configuration',
    description: 'Config and policy file for nhi (nhi.config.yaml / .yml / .json).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
