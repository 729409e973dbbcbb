/**
 * GCP owner signals against the stand-in: the project's `owner`/`team` labels (read with
 * projects.get when the projects are configured, from projects.search otherwise) become
 * medium candidates of its service accounts, next to the description convention (low); the
 * label candidate outranks the convention but never makes an account owned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ScopeInventory, ScopeResult } from '../../src/connector/index.js';
import { makeTestContext } from '../../src/connector/testing.js';
import { attribution } from '../../src/owners/attribute.js';
import { identityCandidates } from '../../src/owners/signals.js';
import { connector } from '../../connectors/gcp/index.js';
import {
  connect,
  startGcpStandIn,
  type GcpEstate,
  type GcpStandIn,
} from '../../connectors/gcp/stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let s: GcpStandIn | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

function estate(): GcpEstate {
  return {
    projects: [
      {
        projectId: 'of-labelled',
        projectNumber: '729104835510',
        displayName: 'labelled',
        parent: 'organizations/1',
        createTime: '2024-01-01T00:00:00Z',
        labels: { owner: 'tom-becker', team: 'platform', env: 'prod' },
        bindings: [],
        serviceAccounts: [
          {
            accountId: 'etl',
            uniqueId: '222222222222222222220',
            description: 'Loads events. Owner: mei.tanaka',
            keys: [],
          },
        ],
      },
      {
        projectId: 'of-bare',
        projectNumber: '729104835511',
        displayName: 'bare',
        parent: 'organizations/1',
        createTime: '2024-01-01T00:00:00Z',
        bindings: [],
        serviceAccounts: [{ accountId: 'ci', uniqueId: '222222222222222222221', keys: [] }],
      },
    ],
  };
}

async function scan(): Promise<Map<string, ScopeInventory>> {
  s = await startGcpStandIn({ estate: estate() });
  const c = connect(s);
  const ctx = makeTestContext({
    now: NOW,
    options: { ...c.options, projects: ['of-labelled', 'of-bare'], maxAttempts: 2 },
    env: c.env,
  });
  const out = new Map<string, ScopeInventory>();
  for await (const r of connector.discover(ctx) as AsyncIterable<ScopeResult>) {
    expect(r.kind).toBe('inventory');
    out.set(r.scope.id, r as ScopeInventory);
  }
  return out;
}

describe('GCP owner signals', () => {
  it('project labels owner/team are medium candidates of its service accounts', async () => {
    const inv = await scan();
    const etl = inv.get('of-labelled')!.identities.find((i) => i.kind === 'service-account')!;
    const a = attribution(identityCandidates(etl, 'gcp'), null);
    expect(a).toMatchObject({
      owner: 'tom-becker',
      team: 'platform',
      source: 'tag',
      via: 'GCP project label owner, GCP project label team',
      confidence: 'medium',
      owned: false,
    });
    // The description convention stays, below the label.
    expect(a.candidates.map((c) => [c.source, c.owner])).toEqual([
      ['tag', 'tom-becker'],
      ['convention', 'mei.tanaka'],
    ]);
    const ci = inv.get('of-bare')!.identities.find((i) => i.kind === 'service-account')!;
    expect(identityCandidates(ci, 'gcp')).toEqual([]);
  });
});
