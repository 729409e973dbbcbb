/** `nhi revoke <id> [--apply] [--yes]`: print (and save) the plan; apply it with --apply. */
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { loadActions } from '../../connector/registry.js';
import type { Catalog } from '../../catalog/index.js';
import { planRevoke, planRotate, type PlanInput } from '../../playbooks/plan.js';
import type { Plan, SinkSpec } from '../../playbooks/types.js';
import { formatOf, globalsOf } from '../globals.js';
import { out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags } from './playbook.js';

/** Catalog facts + the provider's capabilities for one credential: the planner's whole input. */
export async function planInput(
  catalog: Catalog,
  ref: string,
  deleteAfterDays: number,
): Promise<PlanInput> {
  const found = catalog.resolve(ref);
  if (!found) throw new UserError(`no credential '${ref}' in the catalog (try: nhi list)`);
  if (found.kind !== 'credential') {
    const ids = found.credentials
      .filter((c) => c.removedRun === null)
      .map((c) => `${c.id} (${c.type} ${c.externalId})`);
    throw new UserError(
      `'${ref}' is an identity; name one of its credentials: ${ids.length ? ids.join(', ') : 'it has none'}`,
    );
  }
  const actions = await loadActions(found.credential.provider);
  return {
    credential: found.credential,
    identity: found.identity,
    scope: found.scope,
    siblings: catalog.credentialsOfIdentity(found.identity.id),
    capabilities: actions.capabilities(found.credential.type),
    now: new Date(),
    deleteAfterDays,
    demo: found.runDemo,
  };
}

export async function planFor(
  s: Session,
  kind: 'revoke' | 'rotate',
  ref: string,
  sink: SinkSpec | null,
): Promise<Plan> {
  const input = await planInput(s.catalog, ref, s.deleteAfterDays);
  if (kind === 'revoke') return planRevoke(input);
  if (!sink)
    throw new UserError('rotate needs --sink <scheme>:<target> (where the new secret goes)');
  return planRotate(input, sink);
}

export async function run(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as ApplyFlags;
  const format = formatOf(globalsOf(cmd), ['table', 'json']);
  const s = await Session.open(cmd);
  try {
    const plan = await planFor(s, 'revoke', args[0]!, null);
    const { runId, outcome } = await saveShowApply(s, plan, f, format);
    if (format === 'json') out(JSON.stringify({ runId, plan, outcome }, null, 2));
    return 0;
  } finally {
    await s.close();
  }
}
