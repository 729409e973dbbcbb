/** The JSON Schema published at schema/nhi.config.schema.json (kept current by a test). */
import { z } from 'zod';
import { configSchema } from './load.js';

export async function configJsonSchema(): Promise<Record<string, unknown>> {
  const schema = z.toJSONSchema((await configSchema()).schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'nhi configuration',
    description: 'Config and policy file for nhi (nhi.config.yaml / .yml / .json).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
