import { describe, expect, it } from 'vitest';
import {
  foreignServiceAccountProject,
  indexRecommendations,
  mapBindings,
  rolePrivilege,
} from './grants.js';

const EMAIL = 'etl@of-prod-data.iam.gserviceaccount.com';

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

describe('AI reach of roles', () => {
  it.each([
    ['roles/aiplatform.user', 'vertex'],
    ['roles/aiplatform.admin', 'vertex'],
    ['roles/ml.developer', 'vertex'],
    ['roles/cloudaicompanion.user', 'gemini'],
    ['roles/storage.admin', undefined],
    ['projects/p/roles/aiplatformLike', undefined],
  ])('a grant of %s says aiService: %s', (role, service) => {
    const [g] = mapBindings(
      { bindings: [{ role, members: [`serviceAccount:${EMAIL}`] }] },
      { resource: 'projects/p', level: 'project' },
      null,
    );
    expect(g!.attributes.aiService).toBe(service);
  });
});
