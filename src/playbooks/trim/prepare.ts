/**
 * Gathers what a trim plan is made from: the identity and its usage evidence from the catalog
 * (the grants a scan recorded, with Access Advisor's last use per service), the exceptions of
 * the policy file, and the documents read from the provider now. Then plans (pure).
 */
import type {
  ConnectorActions,
  ConnectorContext,
  GrantDocument,
  ManualTrim,
  Plan,
  ProviderId,
  Scope,
  StoredGrant,
  StoredIdentity,
} from '../../connector/index.js';
import { isApiError, UserError } from '../../connector/index.js';
import type { CatalogStore } from '../../catalog/index.js';
import { globMatch } from '../../scoring/glob.js';
import type { PolicyException } from '../../scoring/policy.js';
import {
  planTrim,
  trimPlanHead,
  type TrimPlanResult,
  type TrimSettings,
  type UsageEvidence,
} from './plan.js';

/** Rules a trim resolves; an exception for one of them (or for every rule) excludes the identity. */
export const TRIM_RULES = ['unused-grant', 'admin-grant'] as const;

/** Usage per service from the grants a scan recorded (lastUsedKnown: Access Advisor answered). */
export function usageFromGrants(grants: StoredGrant[], observedAt: string | null): UsageEvidence {
  const services = new Map<string, string | null>();
  let known = grants.length > 0;
  let lastAnyUse: string | null | undefined;
  for (const g of grants) {
    const service = typeof g.attributes.service === 'string' ? g.attributes.service : null;
    if (!g.lastUsedKnown) known = false;
    // A grant of `*` carries the last use of any service (Access Advisor's latest).
    if (service === '*' && g.lastUsedKnown) {
      const at = g.lastUsedAt;
      lastAnyUse = lastAnyUse == null || (at !== null && at > lastAnyUse) ? at : lastAnyUse;
    }
    if (!service || service === '*' || !g.lastUsedKnown) continue;
    const prev = services.get(service) ?? null;
    const at = g.lastUsedAt;
    services.set(service, prev === null ? at : at === null || prev > at ? prev : at);
  }
  return {
    known,
    services,
    ...(lastAnyUse !== undefined ? { lastAnyUse } : {}),
    observedAt,
    source: known
      ? `last access per service from the scan of ${observedAt ?? 'unknown date'}`
      : 'the scan recorded no usage (a coverage gap)',
  };
}

export function excludedBy(
  exceptions: readonly PolicyException[],
  identity: {
    id: string;
    externalId: string;
    name: string;
    provider: ProviderId;
    scopeId: string;
    scopeName: string;
  },
  now: Date,
): PolicyException | null {
  return (
    exceptions.find((e) => {
      if (e.rule && !(TRIM_RULES as readonly string[]).includes(e.rule)) return false;
      if (e.provider && e.provider !== identity.provider) return false;
      if (
        e.scope &&
        !globMatch(e.scope, identity.scopeId) &&
        !globMatch(e.scope, identity.scopeName)
      )
        return false;
      if (e.id && !globMatch(e.id, identity.id) && !globMatch(e.id, identity.externalId))
        return false;
      const until = (e as { expires?: string }).expires;
      return !until || new Date(until) > now;
    }) ?? null
  );
}

export interface TrimPrepareDeps {
  catalog: Pick<CatalogStore, 'resolve' | 'run'>;
  loadActions(provider: ProviderId): Promise<ConnectorActions>;
  contextFor(provider: ProviderId, demo: boolean): Promise<ConnectorContext>;
  exceptions: readonly PolicyException[];
  settings: TrimSettings;
  now: Date;
  /** Replaces the catalog's usage (tests on moto, whose Access Advisor is not implemented). */
  usage?: UsageEvidence;
}

/** A manual-only plan: shown like any trim plan, with no step nhi could run. */
function manualPlan(
  identity: StoredIdentity,
  scope: Scope,
  manual: ManualTrim,
  settings: TrimSettings,
  now: Date,
  demo: boolean,
): TrimPlanResult {
  const plan: Plan = {
    ...trimPlanHead(identity, scope, now),
    snapshot: { status: 'active', siblings: [] },
    lastUse: {
      known: identity.lastUsedKnown,
      at: identity.lastUsedAt,
      service: null,
      region: null,
    },
    demo,
    notes: manualNotes(manual),
    steps: [],
    trim: {
      identityId: identity.id,
      identityKind: identity.kind,
      windowDays: settings.windowDays,
      usageSource: manual.usageSource,
      changes: [],
      diff: manual.diff,
      manual: manual.steps,
      ...(manual.replacements?.length ? { replacements: manual.replacements } : {}),
    },
  };
  return { plan };
}

function manualNotes(manual: ManualTrim): string[] {
  if (!manual.steps.length) return ['nothing to narrow that the scan can show'];
  const n = manual.replacements?.length ?? 0;
  if (!n) return ['manual: nhi changes nothing; the steps below are for a person to take'];
  return [
    `nhi can replace ${n} credential${n === 1 ? '' : 's'} by narrower one${n === 1 ? '' : 's'} itself: add --sink <scheme>:<target> (where the new secret goes) to plan the rotation${n === 1 ? '' : 's'}, --apply to run ${n === 1 ? 'it' : 'them'}; the other steps are for a person to take`,
  ];
}

export async function makeTrimPlan(deps: TrimPrepareDeps, ref: string): Promise<TrimPlanResult> {
  const found = await deps.catalog.resolve(ref);
  if (!found)
    throw new UserError(`no identity '${ref}' in the catalog (see 'nhi list identities')`);
  if (found.kind !== 'identity')
    throw new UserError(`${ref} is a credential: trim acts on an identity (${found.identity.id})`);
  const { identity, scope, grants } = found;
  if (identity.removedRun !== null)
    throw new UserError(
      `${identity.name} (${identity.id}) is gone since scan ${identity.removedRun}`,
    );
  const actions = await deps.loadActions(identity.provider);
  if (!actions.trim)
    throw new UserError(
      `nhi cannot trim ${identity.provider} identities yet (see 'nhi trim --help')`,
    );
  const exception = excludedBy(deps.exceptions, identity, deps.now);
  const subject = {
    scope,
    identityExternalId: identity.externalId,
    identityName: identity.name,
    identityKind: identity.kind,
    attributes: identity.attributes,
  };
  const untouchable =
    actions.trim.untouchable?.(subject) ??
    (exception ? `the policy file excludes it (${exception.reason})` : null);
  const observedAt = (await deps.catalog.run(identity.lastSeenRun))?.startedAt ?? null;
  const ctx = await deps.contextFor(identity.provider, found.runDemo);
  if (actions.trim.manual) {
    if (untouchable) return { refused: `${identity.name} is not trimmed: ${untouchable}` };
    const manual = actions.trim.manual(ctx, subject, {
      credentials: found.credentials,
      grants,
      windowDays: deps.settings.windowDays,
      now: deps.now,
    });
    return manualPlan(identity, scope, manual, deps.settings, deps.now, found.runDemo);
  }
  let documents: GrantDocument[] = [];
  try {
    if (!untouchable) documents = await actions.trim.read(ctx, subject);
  } catch (e) {
    // A provider that cannot answer (denied, an endpoint without these calls) is one line.
    if (!isApiError(e)) throw e;
    throw new UserError(
      `${identity.name}: could not read its policies at ${identity.provider}${found.runDemo ? ' (the demo stand-in)' : ''}: ${e.message}; nothing was planned`,
    );
  }
  // The provider's own recommendations, read with the documents, or what the scan recorded.
  const usage =
    deps.usage ??
    (actions.trim.usageOf && !untouchable
      ? actions.trim.usageOf(documents, deps.now)
      : usageFromGrants(grants, observedAt));
  return planTrim({
    identity,
    scope,
    documents,
    usage,
    settings: deps.settings,
    now: deps.now,
    untouchable,
    actions: actions.trim,
    demo: found.runDemo,
  });
}
