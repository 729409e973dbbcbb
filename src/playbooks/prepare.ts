/**
 * Gathers a planner's input from the catalog (the credential, its identity and siblings) and
 * the provider's capabilities. Reads only: the catalog and the connector's static metadata.
 */
import type {
  ConnectorActions,
  Plan,
  ProviderId,
  ReplacementSpec,
  SinkSpec,
} from '../connector/index.js';
import { UserError } from '../connector/index.js';
import type { CatalogStore } from '../catalog/index.js';
import { planRevoke, planRotate, type PlanInput, type PlanSettings } from './plan.js';
import { Attributor, ownerWhy } from '../owners/attribute.js';
import { applyMap } from '../owners/map.js';
import type { PlanNotice } from '../model/index.js';

/** Whom to tell before the change, or why nobody is told (only when notices are on). */
function noticeFor(
  found: { credential: PlanInput['credential']; identity: PlanInput['identity'] },
  settings: PlanSettings,
): { notice: PlanNotice | null; noNotice: string | null } {
  if (!settings.notify) return { notice: null, noNotice: null };
  const a = new Attributor(settings.ownersMap ?? []).credential(found.credential, found.identity);
  const best = a.owner ?? a.team;
  if (!a.owned || !best) {
    return {
      notice: null,
      noNotice: `no owner on record, so nobody is told before the change${best ? ` (best candidate: ${best}, ${ownerWhy(a)})` : ''}`,
    };
  }
  if (a.departed && !a.team) {
    return {
      notice: null,
      noNotice: `the owner ${a.owner} has left and no team is on record, so nobody is told before the change`,
    };
  }
  const channel = settings.notify.channel ?? 'webhook';
  return {
    notice: {
      owner: a.departed ? null : a.owner,
      team: a.team,
      via: ownerWhy(a),
      purpose: a.purpose,
      channel,
      webhookEnv: settings.notify.webhookEnv,
      ...(channel === 'github-issue' ? { repo: owningRepo(found, settings) } : {}),
      noticeDays: settings.notify.noticeDays,
    },
    noNotice: a.departed
      ? `the owner ${a.owner} has left: the team ${a.team} is told instead`
      : null,
  };
}

const repoAttribute = (attributes: Record<string, unknown>): string | null =>
  typeof attributes.repository === 'string' && /^[\w.-]+\/[\w.-]+$/.test(attributes.repository)
    ? attributes.repository
    : null;

/**
 * Where a github-issue notice is opened: the credential's repository (a deploy key's, a
 * secret's), its identity's (a repository, an environment), the ownership map's `repo`, else
 * `owners.notify.repo`. None: the plan is refused, since nobody could be told.
 */
function owningRepo(
  found: { credential: PlanInput['credential']; identity: PlanInput['identity'] },
  settings: PlanSettings,
): string {
  const { credential: c, identity: i } = found;
  const repo =
    repoAttribute(c.attributes) ??
    repoAttribute(i.attributes) ??
    (i.provider === 'github' && i.kind === 'repository' && /^[\w.-]+\/[\w.-]+$/.test(i.name)
      ? i.name
      : null) ??
    applyMap(settings.ownersMap ?? [], {
      provider: i.provider,
      scopeId: i.scopeId,
      scopeName: i.scopeName,
      identity: i,
    }).repo ??
    settings.notify?.repo ??
    null;
  if (!repo) {
    throw new UserError(
      `owners are told by GitHub issue, but no repository is known for ${i.name}`,
      'name one with a repo in its owners.map entry, or set owners.notify.repo',
    );
  }
  return repo;
}

/** What planning reads from the catalog (either backend). */
export type PlanCatalog = Pick<CatalogStore, 'resolve' | 'credentialsOfIdentity'>;

export async function planInput(
  catalog: PlanCatalog,
  ref: string,
  settings: PlanSettings,
  loadActions: (p: ProviderId) => Promise<ConnectorActions>,
  now: Date = new Date(),
): Promise<PlanInput> {
  const found = await catalog.resolve(ref);
  if (!found) throw new UserError(`no credential '${ref}' in the catalog (try: nhi list)`);
  if (found.kind !== 'credential') {
    const ids = found.credentials
      .filter((c) => c.removedRun === null)
      .map((c) => `${c.id} (${c.type} ${c.externalId})`);
    throw new UserError(
      `'${ref}' is an identity; name one of its credentials: ${ids.length ? ids.join(', ') : 'it has none'}`,
    );
  }
  if (found.identity.kind === 'root') {
    // No provider lets a delegated identity manage the account root's own credentials: say so
    // before a plan is saved, not at apply time.
    throw new UserError(
      `${found.credential.externalId} belongs to the account root: nhi cannot act on root credentials`,
      'sign in as the root user and delete the key under Security credentials',
    );
  }
  const actions = await loadActions(found.credential.provider);
  return {
    credential: found.credential,
    identity: found.identity,
    scope: found.scope,
    siblings: await catalog.credentialsOfIdentity(found.identity.id),
    capabilities: actions.capabilities(found.credential.type),
    now,
    ...settings,
    demo: found.runDemo,
    ...noticeFor(found, settings),
  };
}

export async function makePlan(
  catalog: PlanCatalog,
  kind: 'revoke' | 'rotate',
  ref: string,
  sink: SinkSpec | null,
  settings: PlanSettings,
  loadActions: (p: ProviderId) => Promise<ConnectorActions>,
  now: Date = new Date(),
  replacement?: ReplacementSpec,
): Promise<Plan> {
  const input = await planInput(catalog, ref, settings, loadActions, now);
  if (kind === 'revoke') return planRevoke(input);
  if (!sink)
    throw new UserError('rotate needs --sink <scheme>:<target> (where the new secret goes)');
  return planRotate(input, sink, replacement);
}
