/**
 * The OpenAI manifest: one scope per organization (one admin key each) — its projects, their
 * service accounts, people's and service accounts' project keys, and the organization's
 * admin keys, through the official SDK's Admin API resources.
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { PROVIDER, options } from './options.js';
import { SIGNALS, discover } from './scan.js';

export const connector: Connector = {
  id: PROVIDER,
  title: 'OpenAI (admin keys, projects, service accounts and project API keys)',
  options,
  signals: SIGNALS,
  scanPermissions: [
    'an organization admin API key (OPENAI_ADMIN_KEY) with read access: projects, users, admin API keys, project API keys, project service accounts',
  ],
  discover,
  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
