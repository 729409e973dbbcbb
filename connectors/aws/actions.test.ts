/** Playbook actions with the real SDK against the stand-in: effects a user would see in IAM. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions } from './actions.js';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import { buildAwsDemoEstate, DEMO_CALLER } from '../../fixtures/demo/aws.js';
import { COMPANY } from '../../fixtures/demo/company.js';
import { makeTestContext } from '../../src/connector/testing.js';
import { UserError, type CredentialRef } from '../../src/connector/index.js';
import { deliveryOf } from '../../fixtures/sink-delivery.js';

const now = new Date('2026-11-01T12:00:00Z');
const prod = COMPANY.aws.prod;
let s: AwsStandIn;
beforeEach(async () => {
  s = await startAwsStandIn({ estate: buildAwsDemoEstate(now), now: () => now });
});
afterEach(() => s.close());

const ctx = () =>
  makeTestContext({
    now,
    options: { endpoint: s.url, maxAttempts: 2, pollIntervalMs: 1 },
    env: {
      AWS_ACCESS_KEY_ID: DEMO_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEMO_CALLER.secretAccessKey,
    },
  });

function keysOf(accountId: string, user: string) {
  return (
    s.estate.accounts.find((a) => a.id === accountId)!.users.find((u) => u.name === user)!
      .accessKeys ?? []
  );
}

function ref(accountId: string, user: string, keyId: string, name = user): CredentialRef {
  const account = Object.values(COMPANY.aws).find((a) => a.id === accountId)!;
  return {
    scope: { provider: 'aws', id: accountId, name: account.name, kind: 'account' },
    identityExternalId: `arn:aws:iam::${accountId}:user/${user}`,
    identityName: name,
    credentialExternalId: keyId,
    type: 'access-key',
    attributes: { userName: user },
  };
}

describe('aws actions', () => {
  it('declares access keys rotatable with the two-key limit, other types not', () => {
    expect(actions.capabilities('access-key')).toEqual({
      deactivate: true,
      reactivate: true,
      delete: true,
      create: true,
      maxPerIdentity: 2,
    });
    expect(actions.capabilities('console-password').create).toBe(false);
  });

  it('deactivates, reactivates and deletes a key in another account (through AssumeRole)', async () => {
    const [key] = keysOf(prod.id, 'backup-agent');
    const r = ref(prod.id, 'backup-agent', key!.id);
    expect(await actions.describe(ctx(), r)).toMatchObject({
      status: 'active',
      lastUsedKnown: true,
      lastUsedAt: expect.any(String),
    });
    const res = await actions.deactivate(ctx(), r);
    expect(res.requestId).toEqual(expect.any(String));
    expect(keysOf(prod.id, 'backup-agent')[0]!.status).toBe('Inactive');
    expect((await actions.describe(ctx(), r))!.status).toBe('inactive');
    await actions.reactivate(ctx(), r);
    expect(keysOf(prod.id, 'backup-agent')[0]!.status).toBe('Active');
    await actions.delete(ctx(), r);
    expect(keysOf(prod.id, 'backup-agent')).toEqual([]);
    expect(await actions.describe(ctx(), r)).toBeNull();
    expect(s.requests.byAction.AssumeRole).toBeGreaterThan(0);
  });

  it('creates a key whose secret appears only in SecretMaterial, and which works', async () => {
    const [old] = keysOf(prod.id, 'backup-agent');
    const r = ref(prod.id, 'backup-agent', old!.id);
    const created = await actions.create(ctx(), r);
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = created.secret.values;
    expect(AWS_ACCESS_KEY_ID).toMatch(/^AKIA/);
    expect(AWS_SECRET_ACCESS_KEY).toHaveLength(40);
    expect(
      JSON.stringify({ result: created.result, credential: created.credential }),
    ).not.toContain(AWS_SECRET_ACCESS_KEY!);
    expect(created.credential).toMatchObject({
      externalId: AWS_ACCESS_KEY_ID,
      status: 'active',
      lastUsedAt: null,
    });
    const siblings = await actions.listSiblings(
      ctx(),
      ref(prod.id, 'backup-agent', AWS_ACCESS_KEY_ID!),
    );
    expect(siblings.map((c) => c.externalId)).toEqual([old!.id]);
    const asNewKey = makeTestContext({
      now,
      options: { endpoint: s.url, accessAdvisor: false },
      env: created.secret.values,
    });
    expect((await connector.doctor(asNewKey)).identity).toBe(
      `arn:aws:iam::${prod.id}:user/backup-agent`,
    );
    // A third key hits IAM's limit: rotation must retire one first.
    await expect(actions.create(ctx(), r)).rejects.toThrow(/LimitExceeded/);
  });

  it('refuses root keys with a user error', async () => {
    const r = {
      ...ref(COMPANY.aws.staging.id, 'root', 'x:root:access-key-1'),
      identityExternalId: `arn:aws:iam::${COMPANY.aws.staging.id}:root`,
      attributes: { root: true },
    };
    await expect(actions.deactivate(ctx(), r)).rejects.toThrow(UserError);
  });

  it('delivers a new key to Secrets Manager as JSON and verifies the AWSCURRENT version', async () => {
    const sink = actions.sinks['aws-secrets-manager']!(ctx(), 'prod/backup-agent');
    expect(sink.describe()).toBe('aws-secrets-manager:prod/backup-agent');
    const values = {
      AWS_ACCESS_KEY_ID: 'AKIANEWKEY0000000001',
      AWS_SECRET_ACCESS_KEY: 'first-secret-value',
    };
    const d1 = deliveryOf(values);
    const v1 = await sink.put({ values }, d1);
    // The delivery token is the version id: this run's version, not just any AWSCURRENT one.
    expect(v1.version).toBe(d1.token);
    expect(await sink.verify(v1, d1)).toEqual({ ok: true });
    expect(JSON.parse(s.readSecret(COMPANY.aws.management.id, 'prod/backup-agent')!)).toEqual(
      values,
    );
    const second = { ...values, AWS_SECRET_ACCESS_KEY: 'second-secret-value' };
    const d2 = deliveryOf(second);
    const v2 = await sink.put({ values: second }, d2);
    expect(v2.version).not.toBe(v1.version);
    expect(await sink.verify(v2, d2)).toEqual({ ok: true });
    expect(await sink.verify(v1, d1)).toMatchObject({ ok: false, reason: /no longer AWSCURRENT/ }); // now AWSPREVIOUS
    expect(JSON.stringify([v1, v2])).not.toMatch(/secret-value/);
  });

  it('proves a new key signs in as its user (sts:GetCallerIdentity with that key)', async () => {
    const [old] = keysOf(prod.id, 'backup-agent');
    const r = ref(prod.id, 'backup-agent', old!.id);
    const { credential, secret } = await actions.create(ctx(), r);
    const mine = { ...r, credentialExternalId: credential.externalId };
    expect(await actions.prove!(ctx(), mine, secret)).toEqual({
      principal: `arn:aws:iam::${prod.id}:user/backup-agent`,
    });
    // A key of another user proves nothing about this one.
    const other = keysOf(prod.id, 'backup-agent').find((k) => k.id === credential.externalId)!;
    const elsewhere = { ...mine, identityExternalId: `arn:aws:iam::${prod.id}:user/someone-else` };
    await expect(actions.prove!(ctx(), elsewhere, secret)).rejects.toThrow(
      /authenticates as arn:aws:iam::\d+:user\/backup-agent, not as .*someone-else/,
    );
    // An inactive key does not sign in (retried as IAM propagation, then refused).
    other.status = 'Inactive';
    await expect(actions.prove!(ctx(), mine, secret)).rejects.toThrow(/InvalidClientTokenId/);
  });

  it('names who it acts as without revealing a secret', () => {
    expect(actions.actor!(ctx())).toBe(`aws key ${DEMO_CALLER.accessKeyId}`);
    expect(actions.actor!(makeTestContext({ now, options: { profile: 'audit' }, env: {} }))).toBe(
      'aws profile audit',
    );
  });
});
