/**
 * The AWS connector's manifest: IAM users, roles, groups and the root of each account (the
 * caller's, a list, or every ACTIVE account of the organization through AssumeRole), with their
 * access keys, console passwords, service-specific credentials and grants.
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { options } from './options.js';
import { SIGNALS, discover } from './scan.js';

/** Every read-only action a scan may call (the README's minimal policy lists the same). */
export const SCAN_PERMISSIONS = [
  'sts:GetCallerIdentity',
  'iam:ListAccountAliases',
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListServiceSpecificCredentials',
  'iam:GenerateServiceLastAccessedDetails',
  'iam:GetServiceLastAccessedDetails',
  'iam:ListUsers',
  'iam:ListRoles',
  'iam:ListGroups',
  'organizations:ListAccounts',
  'sts:AssumeRole',
];

export const connector: Connector = {
  id: 'aws',
  title: 'Amazon Web Services (IAM, STS, Organizations)',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover,
  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
