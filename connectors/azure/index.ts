/**
 * Azure / Microsoft Entra connector manifest: app registrations, service principals and
 * managed identities with their secrets, certificates and federated credentials (Graph),
 * application/delegated permissions, Azure RBAC role assignments and Azure OpenAI / AI
 * Services accounts (ARM), one scope per tenant. See README.md for permissions and options.
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { PROVIDER, options } from './options.js';
import { SIGNALS, discover } from './scan.js';

export const SCAN_PERMISSIONS = [
  'Microsoft Graph application permission Application.Read.All (app registrations, service principals, federated credentials)',
  'Microsoft Graph application permission Directory.Read.All (tenant details, owners, app role assignments, delegated grants)',
  'Microsoft Graph application permission AuditLog.Read.All + Microsoft Entra ID P1/P2 (sign-in activity: last use)',
  'Azure RBAC role Reader on each subscription, or on a management group above them (role assignments, AI Services accounts)',
];

export const connector: Connector = {
  id: PROVIDER,
  title: 'Microsoft Azure / Entra ID',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover,
  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code or the demo estate.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
