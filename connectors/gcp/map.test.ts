import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/connector/index.js';
import {
  expiryOrNull,
  foreignServiceAccountProject,
  GcpPayloadError,
  indexActivities,
  indexRecommendations,
  listServiceAccountsSchema,
  mapApiKey,
  mapBindings,
  mapKey,
  mapServiceAccount,
  parsePayload,
  rolePrivilege,
  type RawServiceAccount,
  type RawServiceAccountKey,
} from './map.js';
import { parseGcpOptions } from './options.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const EMAIL = 'etl@of-prod-data.iam.gserviceaccount.com';
const SA: RawServiceAccount = {
  name: `projects/of-prod-data/serviceAccounts/${EMAIL}`,
  email: EMAIL,
  uniqueId: '104857392018374650123',
};
const keyName = (id: string) => `${SA.name}/keys/${id}`;
const key = (over: Partial<RawServiceAccountKey> = {}): RawServiceAccountKey => ({
  name: keyName('aaaa'),
  keyType: 'USER_MANAGED',
  validAfterTime: '2026-01-01T00:00:00Z',
  validBeforeTime: '9999-12-31T23:59:59Z',
  ...over,
});

describe('service-account keys', () => {
  it('stores the 9999 "never expires" sentinel as no expiry, and real expiries as dates', () => {
    expect(expiryOrNull('9999-12-31T23:59:59Z')).toBeNull();
    expect(expiryOrNull('2027-01-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(mapKey(key(), SA, null, NOW)?.expiresAt).toBeNull();
  });

  it('maps created/expiry/status: disabled -> inactive, past validBeforeTime -> expired', () => {
    expect(mapKey(key(), SA, null, NOW)).toMatchObject({
      externalId: 'aaaa',
      identityExternalId: EMAIL,
      type: 'service-account-key',
      status: 'active',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(mapKey(key({ disabled: true }), SA, null, NOW)?.status).toBe('inactive');
    expect(mapKey(key({ validBeforeTime: '2026-10-31T00:00:00Z' }), SA, null, NOW)?.status).toBe(
      'expired',
    );
    expect(mapKey(key({ validBeforeTime: '2026-11-02T00:00:00Z' }), SA, null, NOW)?.status).toBe(
      'active',
    );
  });

  it('does not emit system-managed keys as credentials but counts them on the identity', () => {
    const sys = key({ keyType: 'SYSTEM_MANAGED', name: keyName('sys') });
    expect(mapKey(sys, SA, null, NOW)).toBeNull();
    const identity = mapServiceAccount(SA, [key(), sys, { ...sys, name: keyName('sys2') }], null);
    expect(identity.attributes).toMatchObject({ systemManagedKeyCount: 2, userManagedKeyCount: 1 });
  });

  it('flags a key Google found published', () => {
    const c = mapKey(
      key({
        disabled: true,
        extendedStatus: [{ key: 'SERVICE_ACCOUNT_KEY_EXPOSED', value: 'https://x' }],
      }),
      SA,
      null,
      NOW,
    );
    expect(c?.attributes.exposed).toBe(true);
  });

  it('keeps "never used" (known, null) apart from "not known"', () => {
    const index = indexActivities([]);
    expect(mapKey(key(), SA, index, NOW)).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(mapKey(key(), SA, null, NOW)).toMatchObject({ lastUsedKnown: false, lastUsedAt: null });
    expect(mapServiceAccount(SA, [], null)).toMatchObject({
      lastUsedKnown: false,
      lastUsedAt: null,
    });
  });

  it('marks disabled service accounts in attributes', () => {
    expect(mapServiceAccount({ ...SA, disabled: true }, [], null).attributes).toMatchObject({
      disabled: true,
      status: 'disabled',
    });
  });
});

describe('Policy Analyzer activities', () => {
  const saActivity = (resourceId: string, when: string) => ({
    fullResourceName: `//iam.googleapis.com/projects/of-prod-data/serviceAccounts/${resourceId}`,
    activityType: 'serviceAccountLastAuthentication',
    observationPeriod: { startTime: when, endTime: when },
    activity: { lastAuthenticatedTime: when, serviceAccount: { serviceAccountId: SA.uniqueId } },
  });

  it('indexes last authentication of service accounts (by email or unique id) and keys', () => {
    const index = indexActivities([
      saActivity(EMAIL, '2026-10-01T07:00:00Z'),
      {
        fullResourceName: `//iam.googleapis.com/projects/of-prod-data/serviceAccounts/${EMAIL}/keys/aaaa`,
        activity: { lastAuthenticatedTime: '2026-09-01T07:00:00Z' },
      },
    ]);
    expect(mapServiceAccount(SA, [], index).lastUsedAt).toBe('2026-10-01T07:00:00.000Z');
    expect(mapKey(key(), SA, index, NOW)?.lastUsedAt).toBe('2026-09-01T07:00:00.000Z');

    const byId = indexActivities([saActivity(SA.uniqueId!, '2026-08-01T07:00:00Z')]);
    expect(mapServiceAccount(SA, [], byId).lastUsedAt).toBe('2026-08-01T07:00:00.000Z');
  });

  it('keeps the latest of several observations', () => {
    const index = indexActivities([
      saActivity(EMAIL, '2026-10-01T07:00:00Z'),
      saActivity(EMAIL, '2026-10-05T07:00:00Z'),
    ]);
    expect(mapServiceAccount(SA, [], index).lastUsedAt).toBe('2026-10-05T07:00:00.000Z');
  });
});

describe('role privilege', () => {
  it.each([
    ['roles/owner', 'admin'],
    ['roles/editor', 'admin'],
    ['roles/iam.serviceAccountTokenCreator', 'admin'],
    ['roles/iam.serviceAccountUser', 'admin'],
    ['roles/iam.serviceAccountKeyAdmin', 'admin'],
    ['roles/resourcemanager.projectIamAdmin', 'admin'],
    ['roles/bigquery.admin', 'admin'],
    ['roles/storage.objectAdmin', 'write'],
    ['roles/bigquery.dataEditor', 'write'],
    ['roles/pubsub.publisher', 'write'],
    ['roles/viewer', 'read'],
    ['roles/browser', 'read'],
    ['roles/logging.viewer', 'read'],
    ['roles/bigquery.dataViewer', 'read'],
    ['roles/iam.securityReviewer', 'read'],
    ['projects/of-prod-data/roles/customDeployer', 'unknown'],
    ['roles/container.serviceAgent', 'unknown'],
  ])('%s -> %s', (role, privilege) => {
    expect(rolePrivilege(role)).toBe(privilege);
  });
});

describe('IAM bindings and recommender', () => {
  const member = `serviceAccount:${EMAIL}`;
  const policy = {
    bindings: [
      { role: 'roles/owner', members: [member, 'user:lucas@orbitalfreight.example'] },
      { role: 'roles/bigquery.admin', members: [member] },
      {
        role: 'roles/storage.admin',
        members: [member],
        condition: {
          title: 'temporary',
          expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
        },
      },
    ],
  };
  const remove = (role: string, subtype: string, state = 'ACTIVE', adds: string[] = []) => ({
    name: `projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/${role}`,
    recommenderSubtype: subtype,
    stateInfo: { state },
    content: {
      operationGroups: [
        {
          operations: [
            ...adds.map((r) => ({
              action: 'add',
              pathFilters: { '/iamPolicy/bindings/*/role': r },
            })),
            {
              action: 'remove',
              resource: '//cloudresourcemanager.googleapis.com/projects/of-prod-data',
              path: '/iamPolicy/bindings/*/members/*',
              pathFilters: {
                '/iamPolicy/bindings/*/members/*': member,
                '/iamPolicy/bindings/*/role': role,
              },
            },
          ],
        },
      ],
    },
  });
  const source = { resource: 'projects/of-prod-data', level: 'project' };

  it('emits one grant per service-account member with the privilege of its role; users are skipped', () => {
    const grants = mapBindings(policy, source, null);
    expect(grants.map((g) => [g.permission, g.privilege])).toEqual([
      ['roles/owner', 'admin'],
      ['roles/bigquery.admin', 'admin'],
      ['roles/storage.admin', 'admin'],
    ]);
    expect(
      grants.every((g) => g.identityExternalId === EMAIL && g.resource === 'projects/of-prod-data'),
    ).toBe(true);
    expect(grants[2]!.attributes.condition).toEqual({
      title: 'temporary',
      expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
    });
    expect(new Set(grants.map((g) => g.externalId)).size).toBe(3);
  });

  it('REMOVE_ROLE marks the grant known-unused; REPLACE_ROLE records the smaller roles only', () => {
    const recs = indexRecommendations([
      remove('roles/bigquery.admin', 'REMOVE_ROLE'),
      remove('roles/owner', 'REPLACE_ROLE', 'ACTIVE', ['roles/run.developer']),
    ]);
    const [owner, bq] = mapBindings(policy, source, recs);
    expect(bq).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: null,
      attributes: { unused: true },
    });
    expect(owner).toMatchObject({ lastUsedKnown: false });
    expect(owner!.attributes.recommendation).toMatchObject({
      subtype: 'REPLACE_ROLE',
      replacementRoles: ['roles/run.developer'],
    });
  });

  it('ignores recommendations already applied or dismissed', () => {
    const recs = indexRecommendations([remove('roles/bigquery.admin', 'REMOVE_ROLE', 'SUCCEEDED')]);
    expect(mapBindings(policy, source, recs)[1]).toMatchObject({ lastUsedKnown: false });
  });

  it('tells other projects’ service accounts from Google-managed service agents', () => {
    expect(foreignServiceAccountProject('etl@of-staging.iam.gserviceaccount.com')).toBe(
      'of-staging',
    );
    expect(
      foreignServiceAccountProject(
        'service-583920174466@container-engine-robot.iam.gserviceaccount.com',
      ),
    ).toBeNull();
    expect(foreignServiceAccountProject('x@gcp-sa-aiplatform.iam.gserviceaccount.com')).toBeNull();
    expect(
      foreignServiceAccountProject('583920174466@cloudservices.gserviceaccount.com'),
    ).toBeNull();
  });
});

describe('API keys', () => {
  it('maps an API key without its key string, unrestricted keys flagged, deleted keys dropped', () => {
    const c = mapApiKey(
      {
        name: 'projects/1/locations/global/keys/uid1',
        uid: 'uid1',
        displayName: 'Tracking',
        createTime: '2026-01-01T00:00:00Z',
      },
      'projects/p/apiKeys',
    );
    expect(c).toMatchObject({
      externalId: 'uid1',
      type: 'api-key',
      expiresAt: null,
      lastUsedKnown: false,
      attributes: { restricted: false },
    });
    expect(
      mapApiKey(
        { name: 'projects/1/locations/global/keys/u2', deleteTime: '2026-10-01T00:00:00Z' },
        'h',
      ),
    ).toBeNull();
  });
});

describe('payload validation', () => {
  it('names the API and the offending field of a malformed response', () => {
    expect(() =>
      parsePayload(
        listServiceAccountsSchema,
        { accounts: [{ name: 5 }] },
        'iam.serviceAccounts.list',
      ),
    ).toThrow(GcpPayloadError);
    expect(() =>
      parsePayload(
        listServiceAccountsSchema,
        { accounts: [{ name: 5 }] },
        'iam.serviceAccounts.list',
      ),
    ).toThrow(/iam\.serviceAccounts\.list.*accounts\.0\.name/);
  });
});

describe('options', () => {
  it('defaults to Google hosts; env overrides them; options override env', () => {
    expect(parseGcpOptions({}, {}).rootUrls.iam).toBe('https://iam.googleapis.com/');
    const env = {
      NHI_GCP_ROOT_URL: 'http://127.0.0.1:1/',
      NHI_GCP_IAM_ROOT_URL: 'http://127.0.0.1:2/',
    };
    const fromEnv = parseGcpOptions({}, env).rootUrls;
    expect(fromEnv.iam).toBe('http://127.0.0.1:2/');
    expect(fromEnv.recommender).toBe('http://127.0.0.1:1/');
    expect(parseGcpOptions({ rootUrls: { iam: 'http://127.0.0.1:3/' } }, env).rootUrls.iam).toBe(
      'http://127.0.0.1:3/',
    );
  });

  it('normalises organization/folder/project names and rejects bad input as a user error', () => {
    const o = parseGcpOptions(
      { organization: 418203775162, projects: 'a-proj, projects/b-proj' },
      {},
    );
    expect(o.organization).toBe('organizations/418203775162');
    expect(o.projects).toEqual(['a-proj', 'b-proj']);
    expect(() => parseGcpOptions({ organization: '1', folder: '2' }, {})).toThrow(UserError);
    expect(() => parseGcpOptions({ concurrency: 0 }, {})).toThrow(/concurrency/);
    expect(() => parseGcpOptions({ rootUrls: { iam: 'not a url' } }, {})).toThrow(/rootUrls\.iam/);
  });
});
