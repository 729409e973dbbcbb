import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { openCatalog } from '../../catalog/index.js';
import { parseProviders } from '../../connector/registry.js';
import { catalogPath } from '../catalog-path.js';
import { credentialView, type CredentialView } from '../credential-view.js';
import { expiryLabel, lastUsedLabel, shortAge } from '../dates.js';
import { formatOf, globalsOf } from '../globals.js';
import { csvText, jsonText } from '../../report/index.js';
import { colorEnabled, emit, makeChalk, note, out, styled, table, tty } from '../output.js';
import { parseLevels } from '../severity.js';
import type { Band } from '../../scoring/score.js';

interface ListFlags {
  provider?: string;
  type?: string;
  status?: string;
  scope?: string;
  band?: string;
  removed?: boolean;
  sort: string;
  limit?: string;
}

const csvList = (v: string | undefined): Set<string> | null =>
  v ? new Set(v.split(',').map((s) => s.trim().toLowerCase())) : null;

const SORTS: Record<string, (a: CredentialView, b: CredentialView) => number> = {
  score: (a, b) => (b.score ?? -1) - (a.score ?? -1) || (b.ageDays ?? 0) - (a.ageDays ?? 0),
  age: (a, b) => (b.ageDays ?? -1) - (a.ageDays ?? -1),
  'last-used': (a, b) => (b.daysSinceUse ?? Infinity) - (a.daysSinceUse ?? Infinity),
  provider: (a, b) =>
    a.provider.localeCompare(b.provider) ||
    a.scopeId.localeCompare(b.scopeId) ||
    a.id.localeCompare(b.id),
};

/** cli-table3 slows sharply past ~1,000 rows; tables page, machine formats don't. */
const TABLE_DEFAULT_LIMIT = 200;

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ListFlags;
  const format = formatOf(g, ['table', 'json', 'csv']);
  const sort = SORTS[f.sort];
  if (!sort) throw new UserError(`--sort ${f.sort}: use one of ${Object.keys(SORTS).join(', ')}`);
  const limit =
    f.limit === undefined ? (format === 'table' ? TABLE_DEFAULT_LIMIT : Infinity) : Number(f.limit);
  if (!Number.isInteger(limit) && limit !== Infinity)
    throw new UserError(`--limit ${f.limit}: not a whole number`);
  const providers = f.provider ? new Set<string>(parseProviders(f.provider)) : null;
  const types = csvList(f.type);
  const statuses = csvList(f.status);
  const bands = f.band === undefined ? null : parseLevels('--band', f.band);

  const catalog = openCatalog(catalogPath(g), { readonly: true });
  const run = catalog.latestRun();
  if (!run) {
    catalog.close();
    throw new UserError('the catalog has no completed scan yet: run nhi scan (or nhi scan --demo)');
  }
  const snapshot = catalog.snapshot(run.id)!;
  const credentials = f.removed ? catalog.allCredentials() : snapshot.credentials;
  const identities = new Map(
    (f.removed ? catalog.allIdentities() : snapshot.identities).map((i) => [i.id, i]),
  );
  const scores = catalog.scores(run.id);
  catalog.close();
  const now = new Date();

  const views = credentials
    .filter(
      (c) =>
        (!providers || providers.has(c.provider)) &&
        (!types || types.has(c.type)) &&
        (!statuses || statuses.has(c.status)) &&
        (!f.scope || c.scopeId === f.scope || c.scopeName === f.scope),
    )
    .map((c) => credentialView(c, identities.get(c.identityId), scores.get(c.id), now))
    .filter((v) => !bands || (v.band !== null && bands.has(v.band as Band)))
    .sort(sort);
  const shown = views.slice(0, limit);

  if (format === 'json') {
    out(jsonText(shown, 2));
    return 0;
  }
  if (format === 'csv') {
    const cols = Object.keys(
      shown[0] ?? credentialView(credentials[0]!, undefined, undefined, now),
    ).filter((k) => k !== 'attributes');
    emit(csvText(shown as unknown as Record<string, unknown>[], cols));
    return 0;
  }
  const color = colorEnabled(g);
  const c = makeChalk(color);
  const bandColor = (b: string | null, s: string) =>
    b === 'critical'
      ? c.bold.red(s)
      : b === 'high'
        ? c.red(s)
        : b === 'medium'
          ? c.yellow(s)
          : b === 'low'
            ? c.green(s)
            : s;
  out(
    table(
      [
        'id',
        'provider',
        'scope',
        'identity',
        'type',
        'status',
        'age',
        'last used',
        'expires',
        'score',
      ],
      shown.map((v) => [
        v.id,
        v.provider,
        v.scopeName,
        v.identityName,
        v.type,
        v.status === 'active'
          ? v.status
          : styled(c.dim(tty(v.status)) + (v.removedRun ? ' (removed)' : '')),
        shortAge(v.ageDays),
        lastUsedLabel(v.lastUsedAt, v.lastUsedKnown, now),
        expiryLabel(v.expiresAt, now),
        v.score === null ? '-' : styled(bandColor(v.band, String(v.score))),
      ]),
      color,
      // On a narrow terminal these go first; the rest is cut with '…'.
      { dropFirst: ['expires', 'age', 'status', 'scope'] },
    ),
  );
  if (views.length > shown.length) {
    note(g, `… ${views.length - shown.length} more (use --limit, filters, or --format json)`);
  }
  note(g, `${views.length} credential(s) from scan #${run.id}${run.demo ? ' (demo estate)' : ''}`);
  return 0;
}
