import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import { parseProviders } from '../../connector/registry.js';
import type { SubjectQuery, SubjectSort } from '../../catalog/index.js';
import { openView } from '../evaluate.js';
import { checkScopes } from '../finding-flags.js';
import { formatOf, globalsOf } from '../globals.js';
import { limitOr } from '../limit.js';
import { ownerQuery } from '../ownership.js';
import { parseLevels } from '../severity.js';
import { CREDENTIAL_STATUSES, CREDENTIAL_TYPES, IDENTITY_KINDS, parseChoices } from '../choices.js';

interface ListFlags {
  identities?: boolean;
  provider?: string;
  type?: string;
  status?: string;
  scope?: string;
  band?: string;
  ai?: boolean;
  removed?: boolean;
  sort: string;
  limit?: string;
  owner?: string;
  team?: string;
}

const SORTS: readonly SubjectSort[] = ['score', 'age', 'last-used', 'provider'];

/** cli-table3 slows sharply past ~1,000 rows; tables page, machine formats don't. */
const TABLE_DEFAULT_LIMIT = 200;

/**
 * Credentials (or identities) worst first: one indexed query returning the rows asked for.
 * Only flags are read before the catalog says it has a scan; the output code loads after.
 */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ListFlags;
  const format = formatOf(g, ['table', 'json', 'csv']) as 'table' | 'json' | 'csv';
  const [sort] = parseChoices('--sort', f.sort, SORTS, 'sort key');
  const limit = limitOr(f.limit, format === 'table' ? TABLE_DEFAULT_LIMIT : undefined);
  if (f.identities && f.status !== undefined)
    throw new UserError('--status filters credentials; identities have none (drop --status)');
  const providers = f.provider ? parseProviders(f.provider) : undefined;
  const types = f.type
    ? f.identities
      ? parseChoices('--type', f.type, IDENTITY_KINDS, 'identity kind')
      : parseChoices('--type', f.type, CREDENTIAL_TYPES, 'credential type')
    : undefined;
  const statuses = f.status
    ? parseChoices('--status', f.status, CREDENTIAL_STATUSES, 'status')
    : undefined;
  const bands = f.band === undefined ? null : [...parseLevels('--band', f.band)];

  const view = await openView(g);
  try {
    if (f.scope !== undefined) await checkScopes(view.store, [f.scope]);
    const q: SubjectQuery = {
      evaluationId: view.evaluation.id,
      runId: view.run.id,
      sort: sort as SubjectSort,
      ...(f.removed ? { includeRemoved: true } : {}),
      ...(providers ? { providers } : {}),
      ...(types ? { types } : {}),
      ...(statuses ? { statuses } : {}),
      ...(f.scope !== undefined ? { scope: f.scope } : {}),
      ...(bands ? { bands } : {}),
      ...(f.ai ? { ai: true } : {}),
      // Owners are stored with the evaluation: --owner/--team are indexed filters like the rest.
      ...ownerQuery(f),
      ...(limit !== undefined ? { limit } : {}),
    };
    const { writeList } = await import('../list-output.js');
    return await writeList(g, view, q, { format, identities: Boolean(f.identities) });
  } finally {
    await view.store.close();
  }
}
