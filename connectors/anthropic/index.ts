/**
 * The Anthropic manifest: one scope per organization (one Admin API key each) — its API keys
 * with status, workspace, creator, expiry and last use (from the usage report), its
 * workspaces, members and service accounts, through the official SDK (and the kit's fetch for
 * the usage report, which the SDK does not cover).
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { PROVIDER, options } from './options.js';
import { SIGNALS, discover } from './scan.js';

export const connector: Connector = {
  id: PROVIDER,
  title: 'Anthropic (API keys, workspaces, members, service accounts)',
  options,
  signals: SIGNALS,
  scanPermissions: [
    'an Admin API key (ANTHROPIC_ADMIN_KEY, sk-ant-admin…): read API keys, workspaces, users, service accounts and the usage report',
  ],
  discover,
  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
