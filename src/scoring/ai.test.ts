import { describe, expect, it } from 'vitest';
import { aiReach, AI_POINTS_FACTOR } from './ai.js';
import { evaluate } from './engine.js';
import { defaultPolicy } from './policy.js';
import { BAND_RANGE } from './score.js';
import { ago, awsGrant, credential, grant, identity, input } from './testing.js';

const user = identity({ id: 'i-user', name: 'ml-inference' });

describe('AI reach', () => {
  it('marks keys the connector names an AI service for, and their holder', () => {
    const key = credential(user, { id: 'c-bedrock', attributes: { aiService: 'bedrock' } });
    const other = credential(user, { id: 'c-other', externalId: 'AKIAOTHER' });
    const reach = aiReach([user], [key, other], []);
    expect([...reach.credentials]).toEqual(['c-bedrock']);
    // A sibling of an AI key is not an AI key itself.
    expect(reach.identities.has('i-user')).toBe(true);
  });

  it('marks an identity whose grants reach Bedrock or SageMaker, and all its keys', () => {
    const key = credential(user, { id: 'c-key' });
    for (const actions of [['bedrock:InvokeModel'], ['sagemaker:*'], ['bedrock-agentcore:*']]) {
      const reach = aiReach([user], [key], [awsGrant(user, { actions })]);
      expect(reach.identities.has('i-user'), actions.join()).toBe(true);
      expect(reach.credentials.has('c-key'), actions.join()).toBe(true);
    }
  });

  it('does not count a full wildcard or another service', () => {
    const key = credential(user, { id: 'c-key' });
    for (const actions of [['*'], ['s3:GetObject'], ['iam:PassRole']]) {
      const reach = aiReach([user], [key], [awsGrant(user, { actions })]);
      expect(reach.identities.size, actions.join()).toBe(0);
      expect(reach.credentials.size, actions.join()).toBe(0);
    }
  });

  it('reads GCP Vertex AI roles and Azure Cognitive Services roles', () => {
    const sa = identity({ id: 'i-sa', provider: 'gcp', kind: 'service-account' });
    const gcp = grant(sa, { permission: 'roles/aiplatform.user', resource: 'projects/p' });
    expect(aiReach([sa], [], [gcp]).identities.has('i-sa')).toBe(true);
    const sp = identity({ id: 'i-sp', provider: 'azure', kind: 'service-principal' });
    const azure = grant(sp, {
      permission: 'Cognitive Services OpenAI User',
      resource: '/subscriptions/s',
    });
    expect(aiReach([sp], [], [azure]).identities.has('i-sp')).toBe(true);
    const storage = grant(sp, {
      permission: 'Storage Blob Data Reader',
      resource: '/subscriptions/s',
    });
    expect(aiReach([sp], [], [storage]).identities.size).toBe(0);
  });

  it("marks a CI secret holding an AI key, not the repository's other secrets", () => {
    const repo = identity({ id: 'i-repo', provider: 'github', kind: 'repository' });
    const ai = credential(repo, {
      id: 'c-ai',
      type: 'actions-secret',
      attributes: { storesAiKey: 'openai' },
    });
    const npm = credential(repo, { id: 'c-npm', type: 'actions-secret', attributes: {} });
    const reach = aiReach([repo], [ai, npm], []);
    expect([...reach.credentials]).toEqual(['c-ai']);
  });
});

describe('AI ranking', () => {
  // Two API keys unused for 200 days, alike but for AI reach.
  const org = identity({
    id: 'i-org',
    provider: 'openai',
    scopeId: 'org-1',
    kind: 'user',
    externalId: 'user-1',
  });
  const unused = (id: string, attributes: Record<string, unknown>) =>
    credential(org, {
      id,
      externalId: id,
      type: 'api-key',
      createdAt: ago(300),
      lastUsedAt: ago(200),
      attributes,
    });
  const run = (...creds: ReturnType<typeof unused>[]) =>
    evaluate(input({ identities: [org], credentials: creds }), defaultPolicy());

  it('an unused finding on an AI key counts double and ranks it above the same finding elsewhere', () => {
    const e = run(unused('c-ai', { aiService: 'openai', keyKind: 'user' }), unused('c-plain', {}));
    const finding = (id: string) =>
      e.findings.find((f) => f.subjectId === id && f.ruleId === 'credential-unused')!;
    expect(finding('c-ai').ai).toBe(true);
    expect(finding('c-plain').ai).toBeUndefined();
    expect(finding('c-ai').points).toBe(finding('c-plain').points * AI_POINTS_FACTOR);
    const score = (id: string) => e.scores.find((s) => s.subjectId === id)!;
    expect(score('c-ai').band).toBe(score('c-plain').band);
    expect(score('c-ai').score).toBeGreaterThan(score('c-plain').score);
    // The band still owns the score: ranking never lifts a subject out of its worst finding's band.
    expect(score('c-ai').score).toBeLessThanOrEqual(BAND_RANGE[score('c-ai').band].top);
    expect(e.scores.findIndex((s) => s.subjectId === 'c-ai')).toBeLessThan(
      e.scores.findIndex((s) => s.subjectId === 'c-plain'),
    );
  });

  it('a long-lived finding on a Bedrock key counts double; an exposure finding does not', () => {
    const u = identity({ id: 'i-u' });
    const bedrock = credential(u, {
      id: 'c-b',
      type: 'service-specific-credential',
      lastUsedKnown: false,
      lastUsedAt: null,
      attributes: { service: 'bedrock.amazonaws.com', aiService: 'bedrock' },
    });
    const e = evaluate(input({ identities: [u], credentials: [bedrock] }), defaultPolicy());
    const longTerm = e.findings.find((f) => f.ruleId === 'bedrock-key-long-term')!;
    expect(longTerm.points).toBe(4 * AI_POINTS_FACTOR);

    const gcpHolder = identity({ id: 'i-g', provider: 'gcp', kind: 'application' });
    const apiKey = credential(gcpHolder, {
      id: 'c-g',
      type: 'api-key',
      createdAt: ago(10),
      lastUsedKnown: false,
      lastUsedAt: null,
      attributes: { apiRestricted: false, aiService: 'gemini' },
    });
    const g = evaluate(input({ identities: [gcpHolder], credentials: [apiKey] }), defaultPolicy());
    const unrestricted = g.findings.find((f) => f.ruleId === 'ai-api-key-unrestricted')!;
    expect(unrestricted.ai).toBe(true);
    expect(unrestricted.points).toBe(4);
  });
});
