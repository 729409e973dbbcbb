/**
 * Orbital Freight's ML platform on OpenAI, for `nhi scan --demo`: one organization, its
 * projects, people's keys, service accounts and admin keys — with the mistakes real estates
 * have (an admin key nobody ever used, a departed engineer's key still live, a service
 * account key idle for 120 days, an archived pilot), next to healthy keys for contrast.
 * Dates are relative to the clock the demo starts with.
 */
import { COMPANY, daysAgo, daysFromNow } from '../../../fixtures/demo/company.js';
import type { OrganizationUser, ProjectServiceAccount } from '../schema.js';
import {
  keyValue,
  redact,
  unix,
  type EstateAdminKey,
  type EstateProject,
  type EstateProjectKey,
  type OpenaiEstate,
} from './estate.js';

interface Person {
  id: string;
  email: string;
  name: string;
}
const person = (login: string, i: number): Person => ({
  id: `user-of${String(i + 1).padStart(2, '0')}${login.replace('.', '')}`,
  email: `${login}@${COMPANY.domain}`,
  name: login
    .split('.')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' '),
});
const [amara, lucas, mei, ravi, sofia, tom] = COMPANY.people.map(person) as [
  Person,
  Person,
  Person,
  Person,
  Person,
  Person,
];

export const DEMO_ORGANIZATION = { id: 'org-orbitalfreightml', name: `${COMPANY.name} ML` };

export function buildOpenaiDemoEstate(now: Date): OpenaiEstate {
  const at = (days: number) => unix(daysAgo(now, days));
  const member = (p: Person, role: string, days: number): OrganizationUser => ({
    id: p.id,
    object: 'organization.user',
    name: p.name,
    email: p.email,
    role,
    added_at: at(days),
  });
  const adminKey = (
    id: string,
    name: string,
    owner: Person,
    created: number,
    lastUsed: number | null,
  ): EstateAdminKey => {
    const value = keyValue('sk-admin-', id);
    return {
      id,
      object: 'organization.admin_api_key',
      name,
      redacted_value: redact(value),
      created_at: at(created),
      expires_at: null,
      last_used_at: lastUsed === null ? null : at(lastUsed),
      owner: {
        id: owner.id,
        name: owner.name,
        type: 'user',
        object: 'organization.user',
        role: 'owner',
        created_at: at(900),
      },
      value,
    };
  };
  const sa = (id: string, name: string, created: number): ProjectServiceAccount => ({
    id,
    object: 'organization.project.service_account',
    name,
    role: 'member',
    created_at: at(created),
  });
  const key = (
    id: string,
    name: string,
    owner: { user: Person; role?: string } | { sa: ProjectServiceAccount },
    created: number,
    lastUsed: number | null,
    extra: { expiresIn?: number; access?: 'active' | 'inactive' } = {},
  ): EstateProjectKey => {
    const value = keyValue('sa' in owner ? 'sk-svcacct-' : 'sk-proj-', id);
    return {
      id,
      object: 'organization.project.api_key',
      name,
      redacted_value: redact(value),
      created_at: at(created),
      last_used_at: lastUsed === null ? null : at(lastUsed),
      ...(extra.expiresIn !== undefined
        ? { expires_at: unix(daysFromNow(now, extra.expiresIn)) }
        : {}),
      owner_project_access: extra.access ?? 'active',
      owner:
        'sa' in owner
          ? {
              type: 'service_account',
              service_account: {
                id: owner.sa.id,
                name: owner.sa.name,
                role: owner.sa.role,
                created_at: owner.sa.created_at,
              },
            }
          : {
              type: 'user',
              user: {
                id: owner.user.id,
                name: owner.user.name,
                email: owner.user.email,
                role: owner.role ?? 'member',
                created_at: at(700),
              },
            },
      value,
    };
  };
  const project = (
    id: string,
    name: string,
    created: number,
    rest: Omit<EstateProject, 'project'>,
    archived?: number,
  ): EstateProject => ({
    project: {
      id,
      object: 'organization.project',
      name,
      created_at: at(created),
      archived_at: archived === undefined ? null : at(archived),
      status: archived === undefined ? 'active' : 'archived',
    },
    ...rest,
  });

  const routeProd = sa('svc_acct_route_prod', 'route-optimizer-prod', 260);
  const batchEval = sa('svc_acct_batch_eval', 'batch-eval', 310);
  const supportBot = sa('svc_acct_support_bot', 'support-bot', 180);
  const docsIndexer = sa('svc_acct_docs_indexer', 'docs-indexer', 90);

  return {
    organization: DEMO_ORGANIZATION,
    users: [
      member(amara, 'owner', 900),
      member(mei, 'owner', 700),
      member(ravi, 'reader', 500),
      member(sofia, 'reader', 420),
      member(tom, 'owner', 300),
      // lucas.moreau left the company: no longer a member, but his key below is still live.
    ],
    adminKeys: [
      // The key nhi itself scans with (the stand-in accepts it).
      adminKey('key_admin_nhi_audit', 'nhi-audit (read-only)', amara, 30, 0),
      adminKey('key_admin_terraform', 'terraform-openai-projects', mei, 200, 3),
      // Created for a one-off migration and never used: full control of the organization.
      adminKey('key_admin_bootstrap', 'bootstrap-admin', tom, 150, null),
    ],
    projects: [
      project('proj_default', 'Default project', 900, {
        serviceAccounts: [],
        keys: [key('key_sofia_experiments', 'sofia-experiments', { user: sofia }, 400, 25)],
      }),
      project('proj_route_optimizer', 'route-optimizer', 320, {
        serviceAccounts: [routeProd, batchEval],
        keys: [
          key('key_route_prod', 'route-optimizer-prod', { sa: routeProd }, 90, 0),
          // Nightly evaluation was moved to another provider; the key has idled for 120 days.
          key('key_batch_eval', 'batch-eval', { sa: batchEval }, 300, 120),
          key('key_ravi_notebook', 'ravi-notebook', { user: ravi, role: 'owner' }, 210, 9),
        ],
      }),
      project('proj_support_assistant', 'support-assistant', 200, {
        serviceAccounts: [supportBot, docsIndexer],
        keys: [
          key('key_support_bot', 'support-bot', { sa: supportBot }, 30, 0, { expiresIn: 60 }),
          key('key_docs_indexer', 'docs-indexer', { sa: docsIndexer }, 88, 2, { expiresIn: 2 }),
          // lucas.moreau's key, still valid after he left: used 40 days ago, by whom?
          key('key_lucas_support', 'lucas-support-debug', { user: lucas, role: 'owner' }, 190, 40, {
            access: 'inactive',
          }),
          key('key_mei_eval', 'mei-eval', { user: mei }, 60, 1),
        ],
      }),
      project('proj_pricing_pilot', 'pricing-pilot', 420, { serviceAccounts: [], keys: [] }, 200),
    ],
  };
}
