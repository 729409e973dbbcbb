/**
 * Which calls a scan makes, in what order, and which gaps each can leave. One scope per
 * organization (one admin key each): the project listing decides what exists (its failure
 * fails the scope); a denied listing of members, admin keys, a project's keys or service
 * accounts is a gap and the scan goes on.
 */
import pMap from 'p-map';
import {
  GapCollector,
  UserError,
  defineSignals,
  errorMessage,
  isDenied,
  type ConnectorContext,
  type Scope,
  type ScopeResult,
} from '../../src/connector/index.js';
import {
  ORG_ID_ENV,
  OpenaiClient,
  resolveSettings,
  type OpenaiSettings,
  type OrganizationTarget,
} from './client.js';
import { toInventory, type ScannedProject } from './map/inventory.js';
import { PROVIDER } from './options.js';
import type { RawProject } from './schema.js';

export const SIGNALS = defineSignals([
  {
    signal: 'organization-users',
    description: "the organization's members: key owners' e-mail and whether they have left",
    fix: 'an admin key that may read users (read access to the organization)',
    hides: [],
  },
  {
    signal: 'admin-api-keys',
    description: "the organization's admin API keys",
    fix: 'an admin key that may read admin API keys',
    hides: ['credentials'],
  },
  {
    signal: 'project-api-keys',
    description: "each project's API keys (people's and service accounts')",
    fix: 'an admin key that may read project API keys',
    hides: ['credentials'],
  },
  {
    signal: 'project-service-accounts',
    description: "each project's service accounts",
    fix: 'an admin key that may read project service accounts',
    hides: ['identities'],
  },
]);

type Signal = (typeof SIGNALS)[number]['signal'];

export async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx);
  // Organizations are few (one admin key each): one after the other, projects in parallel.
  for (const org of settings.organizations) yield await scanOrganization(settings, org, ctx);
}

/** The scope before the API has told us which organization the key belongs to. */
function provisionalScope(org: OrganizationTarget): Scope {
  const id = org.id ?? `(${org.keyEnv})`;
  return { provider: PROVIDER, id, name: org.name ?? id, kind: 'organization' };
}

async function scanOrganization(
  settings: OpenaiSettings,
  org: OrganizationTarget,
  ctx: ConnectorContext,
): Promise<ScopeResult> {
  const client = new OpenaiClient(settings, org, ctx);
  let scope = provisionalScope(org);
  const gaps = new GapCollector<Signal>(SIGNALS);
  /** A denied listing is a gap (null); anything else fails the scope. */
  const optional = async <T>(signal: Signal, subject: string | undefined, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (e) {
      if (!isDenied(e)) throw e;
      gaps.add(signal, {
        message: `not listed: ${e.message}`,
        code: e.code,
        ...(subject ? { subject } : {}),
      });
      return null;
    }
  };
  try {
    ctx.progress({ scope: scope.id, phase: 'projects' });
    const projects = await client.listProjects();
    const id = org.id ?? client.organizationHeader;
    if (!id)
      throw new UserError(
        `openai: cannot tell which organization ${org.keyEnv} belongs to (the API sent no openai-organization header): set ${ORG_ID_ENV} or providers.openai.organizations[].id`,
      );
    scope = { provider: PROVIDER, id, name: org.name ?? id, kind: 'organization' };
    ctx.progress({ scope: scope.id, phase: 'members and admin keys' });
    const users = await optional('organization-users', undefined, () => client.listUsers());
    const adminKeys = await optional('admin-api-keys', undefined, () => client.listAdminKeys());
    let done = 0;
    const scanned = await pMap(
      projects,
      async (project): Promise<ScannedProject> => {
        try {
          return await scanProject(client, project, optional);
        } finally {
          ctx.progress({
            scope: scope.id,
            phase: 'projects',
            done: ++done,
            total: projects.length,
          });
        }
      },
      { concurrency: settings.concurrency },
    );
    return toInventory({
      scope,
      now: ctx.now(),
      users,
      adminKeys,
      projects: scanned,
      gaps: gaps.list(),
      incomplete: gaps.incomplete(),
      apiCalls: client.calls,
    });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    // One failing organization is recorded; the others still finish.
    return {
      kind: 'failure',
      scope,
      error: errorMessage(e),
      code: (e as { code?: string }).code ?? null,
      apiCalls: client.calls,
    };
  }
}

type Optional = <T>(
  signal: Signal,
  subject: string | undefined,
  fn: () => Promise<T>,
) => Promise<T | null>;

async function scanProject(
  client: OpenaiClient,
  project: RawProject,
  optional: Optional,
): Promise<ScannedProject> {
  // An archived project cannot be used and has no service accounts: nothing of it can act.
  if (project.archived_at || project.status === 'archived')
    return { project, serviceAccounts: [], keys: [] };
  const name = project.name ?? project.id;
  const [serviceAccounts, keys] = await Promise.all([
    optional('project-service-accounts', name, () => client.listServiceAccounts(project.id)),
    optional('project-api-keys', name, () => client.listProjectKeys(project.id)),
  ]);
  return { project, serviceAccounts, keys };
}
