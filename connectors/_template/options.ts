/** The template provider's options (config section + CLI flags), declared for the core. */
import { z } from 'zod';
import { defineOptions } from '../../src/connector/index.js';

export const options = defineOptions({
  provider: 'template',
  shape: {
    endpoint: z.string().url().optional().describe('API root (default: $TEMPLATE_ENDPOINT_URL)'),
  },
  flags: [],
});
