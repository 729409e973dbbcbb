import { describe, expect, it } from 'vitest';
import { ownerDeparted as rule } from './owner-departed.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, identity, runRule } from '../testing.js';

const gone = { ownerEmail: 'bo@orbital.example', ownerDeparted: true };
const user = () => identity({ provider: 'openai', kind: 'project', owner: null, name: 'web' });

ruleTable(rule, [
  {
    name: 'departed owner, used 90 days ago (at the threshold): flagged',
    data: () => {
      const i = user();
      return {
        identities: [i],
        credentials: [credential(i, { attributes: gone, lastUsedAt: ago(90) })],
      };
    },
    expect: 'fail',
    evidence: { owner: 'bo@orbital.example', daysSinceUse: 90 },
  },
  {
    name: 'departed owner, idle key: flagged (milder)',
    data: () => {
      const i = user();
      return {
        identities: [i],
        credentials: [credential(i, { attributes: gone, lastUsedAt: ago(91) })],
      };
    },
    expect: 'fail',
    evidence: { daysSinceUse: 91 },
  },
  {
    name: 'owner still a member: fine',
    data: () => {
      const i = user();
      return {
        identities: [i],
        credentials: [credential(i, { attributes: { ...gone, ownerDeparted: false } })],
      };
    },
    expect: 'pass',
  },
  {
    name: 'membership not checked: fine here (no-owner and not-evaluated are other rules)',
    data: () => {
      const i = user();
      return {
        identities: [i],
        credentials: [credential(i, { attributes: { ownerEmail: 'x@y' } })],
      };
    },
    expect: 'pass',
  },
  {
    name: 'revoked (inactive) key of a departed owner: fine',
    data: () => {
      const i = user();
      return {
        identities: [i],
        credentials: [credential(i, { attributes: gone, status: 'inactive' })],
      };
    },
    expect: 'pass',
  },
  {
    name: 'a declared departed candidate (Entra owner disabled): flagged',
    data: () => {
      const i = identity({
        provider: 'azure',
        kind: 'application',
        owner: null,
        attributes: {
          ownerCandidates: [
            {
              owner: 'tom@orbital.example',
              source: 'provider-owner',
              via: 'Entra app owners',
              confidence: 'high',
              departed: true,
            },
          ],
        },
      });
      return { identities: [i], credentials: [credential(i, { type: 'client-secret' })] };
    },
    expect: 'fail',
  },
]);

describe('owner-departed severity', () => {
  it('is high while the key is used, medium when it is idle, and a policy severity wins', () => {
    const i = user();
    const used = credential(i, { id: 'c-1', attributes: gone, lastUsedAt: ago(3) });
    const idle = credential(i, { id: 'c-2', externalId: 'k2', attributes: gone, lastUsedAt: null });
    const sev = runRule(rule, { identities: [i], credentials: [used, idle] }).map((f) => [
      f.subjectId,
      f.severity,
    ]);
    expect(sev.sort()).toEqual([
      ['c-1', 'high'],
      ['c-2', 'medium'],
    ]);
    const policy = {
      rules: { 'owner-departed': { severity: 'critical' as const } },
      exceptions: [],
    };
    expect(runRule(rule, { identities: [i], credentials: [idle] }, policy)[0]!.severity).toBe(
      'critical',
    );
  });
});
