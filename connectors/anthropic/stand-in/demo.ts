/**
 * Orbital Freight on Anthropic, for `nhi scan --demo`: one organization with workspaces for the
 * support assistant, route research and CI evaluations — and the mistakes real estates have
 * (a workspace key with no expiry used from CI for over a year, a departed engineer's key,
 * a key created two months ago and never used, an old key with no use in the usage window),
 * next to healthy keys. Dates are relative to the clock the demo starts with.
 */
import { COMPANY, daysAgo, daysFromNow } from '../../../fixtures/demo/company.js';
import type { OrganizationUser, ServiceAccount, Workspace } from '../schema.js';
import { hint, keyValue, type AnthropicEstate, type EstateKey } from './estate.js';

interface Person {
  id: string;
  email: string;
  name: string;
}
const person = (login: string, i: number): Person => ({
  id: `user_01OF${String(i + 1).padStart(2, '0')}${login.replace('.', '').toUpperCase()}`,
  email: `${login}@${COMPANY.domain}`,
  name: login
    .split('.')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' '),
});
const [amara, lucas, mei, ravi, sofia] = COMPANY.people.map(person) as [
  Person,
  Person,
  Person,
  Person,
  Person,
];

export const DEMO_ORGANIZATION_ID = '5c2f9a4e-0b7d-4e1a-9f3c-6d8e2a1b7c40';

export function buildAnthropicDemoEstate(now: Date): AnthropicEstate {
  const workspace = (id: string, name: string, created: number): Workspace => ({
    id,
    type: 'workspace',
    name,
    created_at: daysAgo(now, created),
    archived_at: null,
    compartment_id: `cmpt_${id}`,
    data_residency: {
      allowed_inference_geos: 'unrestricted',
      default_inference_geo: 'global',
      workspace_geo: 'us',
    },
    display_color: '#6C5BB9',
    external_key_id: null,
    tags: { team: name.split('-')[0] ?? name },
    user_profile_id: null,
  });
  const member = (p: Person, role: OrganizationUser['role'], days: number): OrganizationUser => ({
    id: p.id,
    type: 'user',
    email: p.email,
    name: p.name,
    role,
    added_at: daysAgo(now, days),
  });
  const key = (
    id: string,
    name: string,
    where: Workspace | null,
    creator: Person,
    created: number,
    usedDaysAgo: number[],
    extra: Partial<Pick<EstateKey, 'status' | 'principal'>> & { expiresIn?: number } = {},
  ): EstateKey => {
    const value = keyValue('sk-ant-api03-', id);
    return {
      id,
      type: 'api_key',
      name,
      partial_key_hint: hint(value),
      status: extra.status ?? 'active',
      created_at: daysAgo(now, created),
      expires_at: extra.expiresIn === undefined ? null : daysFromNow(now, extra.expiresIn),
      created_by: { id: creator.id, type: 'user' },
      principal: extra.principal ?? null,
      scope: where ? { type: 'workspace', workspace_id: where.id } : { type: 'organization' },
      value,
      usedAt: usedDaysAgo.map((d) => daysAgo(now, d)),
    };
  };
  const ciBot: ServiceAccount = {
    id: 'svcacct_01ORBITALCIEVALS',
    type: 'service_account',
    name: 'github-actions-evals',
    description: 'runs model evaluations from GitHub Actions',
    organization_role: 'developer',
    created_at: daysAgo(now, 100),
    created_by_actor_id: amara.id,
    archived_at: null,
    archived_by_actor_id: null,
    updated_at: daysAgo(now, 100),
    updated_by_actor_id: null,
  };
  const byDefault = workspace('wrkspc_01ORBITALDEFAULT', 'Default', 700);
  const support = workspace('wrkspc_01ORBITALSUPPORT', 'support-assistant', 300);
  const research = workspace('wrkspc_01ORBITALROUTES', 'route-research', 250);
  const evals = workspace('wrkspc_01ORBITALEVALS', 'ci-evals', 420);
  const recent = (n: number) => Array.from({ length: n }, (_, i) => i);

  return {
    organization: { id: DEMO_ORGANIZATION_ID, name: COMPANY.name, type: 'organization' },
    adminKey: keyValue('sk-ant-admin01-', 'nhi-audit'),
    workspaces: [byDefault, support, research, evals],
    users: [
      member(amara, 'admin', 700),
      member(mei, 'developer', 500),
      member(ravi, 'developer', 400),
      member(sofia, 'user', 300),
      // lucas.moreau left: his key below still works.
    ],
    serviceAccounts: [ciBot],
    keys: [
      key('apikey_01SUPPORTPROD', 'support-assistant-prod', support, amara, 80, recent(5), {
        expiresIn: 100,
      }),
      // The CI evaluation key: no expiry, made 400 days ago, still in daily use.
      key('apikey_01CIEVALS', 'ci-evals', evals, mei, 400, [1, 2, 3]),
      // lucas.moreau's prototype key: he left, the key still works and was used 30 days ago.
      key('apikey_01LUCASPROTO', 'lucas-prototype', research, lucas, 210, [30, 31]),
      key('apikey_01RAVINOTEBOOK', 'ravi-notebook', research, ravi, 120, [6], { expiresIn: 20 }),
      // Created for a pricing experiment two months ago and never used.
      key('apikey_01PRICINGEXP', 'pricing-experiment', byDefault, sofia, 60, []),
      // An old key with no use anywhere in the usage window: last use unknown, not "never".
      key('apikey_01LEGACYSUPPORT', 'legacy-support-bot', support, amara, 500, []),
      key('apikey_01OLDWEBHOOK', 'old-webhook-test', support, mei, 260, [200], {
        status: 'inactive',
      }),
      key('apikey_01CIPIPELINE', 'ci-pipeline', null, amara, 90, recent(3), {
        principal: { type: 'service_account_actor', service_account_id: ciBot.id },
        expiresIn: 275,
      }),
      key('apikey_01ARCHIVED', 'q1-hackathon', byDefault, ravi, 300, [250], {
        status: 'archived',
      }),
    ],
  };
}
