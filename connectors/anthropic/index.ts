/**
 * The anthropic provider's manifest: one scope per project, its service accounts and their
 * keys. Copy this folder with `npm run new-connector <id>`; CONTRIBUTING.md walks through it.
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { PROVIDER, options } from './options.js';
import { SIGNALS, discover } from './scan.js';

export const connector: Connector = {
  id: PROVIDER,
  title: 'Anthropic provider (service accounts and API keys)',
  options,
  signals: SIGNALS,
  scanPermissions: ['projects:read', 'service-accounts:read', 'keys:read'],
  discover,
  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
