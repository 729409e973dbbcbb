/**
 * Owner attribution from AWS tags and role descriptions, scanned by the real connector from
 * moto (an independent AWS emulator) driven through the real SDK. moto 5.2.1 has no CloudTrail
 * LookupEvents (its CloudTrail emulates trails and event selectors only), so creation-event
 * attribution cannot be tested against it (and is not built).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { connector } from '../connectors/aws/index.js';
import {
  clientConfig,
  motoMissing,
  startMoto,
  type Moto,
} from '../connectors/aws/stand-in/moto.js';
import { TEST_CALLER } from '../connectors/aws/test-support.js';
import { makeTestContext } from '../src/connector/testing.js';
import type { ScopeInventory, StoredIdentity } from '../src/model/index.js';
import { Attributor } from '../src/owners/attribute.js';

describe.skipIf(motoMissing)('moto: owners from IAM tags and descriptions', () => {
  let moto: Moto;
  let identities: StoredIdentity[];
  beforeAll(async () => {
    moto = await startMoto();
    const iam = new IAMClient(clientConfig(moto.endpoint));
    await iam.send(new CreateUserCommand({ UserName: 'nhi-operator' }));
    await iam.send(
      new CreateUserCommand({
        UserName: 'deployer',
        Path: '/ci/',
        Tags: [
          { Key: 'owner', Value: 'alice@acme.example' },
          { Key: 'team', Value: 'platform' },
        ],
      }),
    );
    await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }));
    await iam.send(new CreateUserCommand({ UserName: 'orphan' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'orphan' }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'etl',
        Description: 'nightly ETL; owner: bob@acme.example',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'glue.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const ctx = makeTestContext({
      now: new Date(),
      options: { endpoint: moto.endpoint, maxAttempts: 2, pollIntervalMs: 10 },
      env: {
        AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
      },
    });
    const inv: ScopeInventory[] = [];
    for await (const r of connector.discover(ctx)) if (r.kind === 'inventory') inv.push(r);
    expect(inv).toHaveLength(1);
    identities = inv[0]!.identities.map((i, n) => ({
      ...i,
      id: `i-${n}`,
      provider: 'aws',
      scopeId: inv[0]!.scope.id,
      scopeName: inv[0]!.scope.name,
      firstSeenRun: 1,
      lastSeenRun: 1,
      removedRun: null,
    }));
  }, 60_000);
  afterAll(() => moto?.stop());

  const of = (name: string) => new Attributor().identity(identities.find((x) => x.name === name)!);

  it('owner and team tags: a high-confidence owner; the IAM path is the purpose', () => {
    expect(of('deployer')).toMatchObject({
      owner: 'alice@acme.example',
      team: 'platform',
      source: 'tag',
      via: 'IAM tag owner, IAM tag team',
      confidence: 'high',
      owned: true,
      purpose: '/ci/',
    });
  });

  it('a role: GetAccountAuthorizationDetails carries no Description (AWS and moto alike), so no owner', () => {
    // A description convention on roles would need one iam:GetRole per role: not done.
    expect(of('etl')).toMatchObject({ owner: null, owned: false });
  });

  it('no signal: no owner', () => {
    expect(of('orphan')).toMatchObject({ owner: null, team: null, owned: false, candidates: [] });
  });
});
