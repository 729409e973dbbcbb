/** The GCP trim world: a project whose service account IAM Recommender would trim. */
import type { StoredIdentity } from '../src/connector/index.js';
import type { GcpEstate } from '../connectors/gcp/stand-in/estate.js';

export const NOW = new Date('2026-11-01T12:00:00Z');
export const EMAIL = 'etl@of-data.iam.gserviceaccount.com';
export const SA = `serviceAccount:${EMAIL}`;
export const OTHER = 'serviceAccount:web@of-data.iam.gserviceaccount.com';
export const scope = {
  provider: 'gcp' as const,
  id: 'of-data',
  name: 'Data',
  kind: 'project' as const,
};

export function estate(): GcpEstate {
  return {
    projects: [
      {
        projectId: 'of-data',
        projectNumber: '402934771100',
        displayName: 'Data',
        parent: 'organizations/1',
        createTime: '2024-01-01T00:00:00Z',
        serviceAccounts: [
          { accountId: 'etl', uniqueId: '1', keys: [] },
          { accountId: 'web', uniqueId: '2', keys: [] },
        ],
        bindings: [
          { role: 'roles/editor', members: [SA, OTHER] },
          { role: 'roles/bigquery.admin', members: [SA] },
          { role: 'roles/pubsub.publisher', members: [SA] },
          {
            role: 'roles/storage.admin',
            members: [SA],
            condition: { title: 'tmp only', expression: 'resource.name.startsWith("tmp")' },
          },
        ],
        recommendations: [
          {
            member: SA,
            role: 'roles/editor',
            subtype: 'REPLACE_ROLE',
            replacementRoles: ['roles/storage.objectViewer'],
          },
          { member: SA, role: 'roles/bigquery.admin', subtype: 'REMOVE_ROLE' },
          { member: OTHER, role: 'roles/editor', subtype: 'REMOVE_ROLE' },
        ],
      },
    ],
  };
}

export const identity: StoredIdentity = {
  id: 'i-etl',
  provider: 'gcp',
  scopeId: 'of-data',
  scopeName: 'Data',
  firstSeenRun: 1,
  lastSeenRun: 1,
  removedRun: null,
  externalId: EMAIL,
  name: 'etl',
  kind: 'service-account',
  owner: null,
  createdAt: null, // GCP records none: Recommender's observation window stands in
  lastUsedAt: null,
  lastUsedKnown: true,
  tags: {},
  attributes: { email: EMAIL },
};
export const subject = {
  scope,
  identityExternalId: EMAIL,
  identityName: 'etl',
  identityKind: 'service-account' as const,
  attributes: identity.attributes,
};
