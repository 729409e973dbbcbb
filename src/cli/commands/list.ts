import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { parseProviders } from '../../connector/registry.js';
import type { CredentialRow, IdentityRow, SubjectQuery, SubjectSort } from '../../catalog/index.js';
import {
  credentialView,
  identityView,
  CREDENTIAL_VIEW_FIELDS,
  IDENTITY_VIEW_FIELDS,
} from '../credential-view.js';
import { expiryLabel, lastUsedLabel, shortAge, daysBetween } from '../dates.js';
import { openView } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { csvText, indented } from '../../report/index.js';
import { colorEnabled, makeChalk, note, out, styled, table, tty } from '../output.js';
import { stdoutSink } from '../sink.js';
import { parseLimit } from './report.js';

interface ListFlags {
  identities?: boolean;
  provider?: string;
  type?: string;
  status?: string;
  scope?: string;
  band?: string;
  removed?: boolean;
  sort: string;
  limit?: string;
}

const csvList = (v: string | undefined): string[] | undefined =>
  v ? v.split(',').map((s) => s.trim().toLowerCase()) : undefined;

const SORTS: readonly SubjectSort[] = ['score', 'age', 'last-used', 'provider'];

/** cli-table3 slows sharply past ~1,000 rows; tables page, machine formats don't. */
const TABLE_DEFAULT_LIMIT = 200;

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ListFlags;
  const format = formatOf(g, ['table', 'json', 'csv']);
  if (!(SORTS as readonly string[]).includes(f.sort))
    throw new UserError(`--sort ${f.sort}: use one of ${SORTS.join(', ')}`);
  const limit = parseLimit(f.limit) ?? (format === 'table' ? TABLE_DEFAULT_LIMIT : undefined);
  if (f.identities && f.status !== undefined)
    throw new UserError('--status filters credentials; identities have none (drop --status)');
  const providers = f.provider ? parseProviders(f.provider) : undefined;
  const types = csvList(f.type);
  const statuses = csvList(f.status);
  const bands = csvList(f.band);

  const view = await openView(g);
  const { store, run, evaluation } = view;
  try {
    const q: SubjectQuery = {
      evaluationId: evaluation.id,
      runId: run.id,
      sort: f.sort as SubjectSort,
      ...(f.removed ? { includeRemoved: true } : {}),
      ...(providers ? { providers } : {}),
      ...(types ? { types } : {}),
      ...(statuses ? { statuses } : {}),
      ...(f.scope !== undefined ? { scope: f.scope } : {}),
      ...(bands ? { bands } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    const now = new Date();
    const kind = f.identities ? 'identity' : 'credential';
    const rows = f.identities
      ? mapPages(store.identities(q), (r: IdentityRow) => identityView(r, now))
      : mapPages(store.credentials(q), (r: CredentialRow) => credentialView(r, now));

    if (format === 'json') {
      // A JSON array written as the rows stream, byte for byte JSON.stringify(rows, null, 2).
      const sink = stdoutSink();
      let first = true;
      for await (const page of rows) {
        let text = '';
        for (const v of page) {
          text += (first ? '[\n' : ',\n') + indented(v, '  ');
          first = false;
        }
        await sink.write(text);
      }
      await sink.write(first ? '[]\n' : '\n]\n');
      await sink.close();
      return 0;
    }
    if (format === 'csv') {
      const cols = (f.identities ? IDENTITY_VIEW_FIELDS : CREDENTIAL_VIEW_FIELDS).filter(
        (k) => k !== 'attributes' && k !== 'tags',
      );
      const sink = stdoutSink();
      await sink.write(csvText([], cols));
      for await (const page of rows)
        if (page.length)
          await sink.write(csvText(page as unknown as Record<string, unknown>[], cols, false));
      await sink.close();
      return 0;
    }
    const shown: Record<string, unknown>[] = [];
    for await (const page of rows) shown.push(...(page as unknown as Record<string, unknown>[]));
    const { limit: _shown, ...all } = q;
    const total = await store.countSubjects(kind, all);
    const color = colorEnabled(g);
    out(f.identities ? identityTable(shown, now, color) : credentialTable(shown, now, color));
    if (total > shown.length) {
      note(g, `… ${total - shown.length} more (use --limit, filters, or --format json)`);
    }
    note(
      g,
      `${total} ${f.identities ? 'identit(ies)' : 'credential(s)'} from scan #${run.id}${run.demo ? ' (demo estate)' : ''}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function* mapPages<T, U>(pages: AsyncIterable<readonly T[]>, map: (t: T) => U) {
  for await (const page of pages) yield page.map(map);
}

function bandColor(c: ReturnType<typeof makeChalk>, band: unknown, s: string): string {
  return band === 'critical'
    ? c.bold.red(s)
    : band === 'high'
      ? c.red(s)
      : band === 'medium'
        ? c.yellow(s)
        : band === 'low'
          ? c.green(s)
          : s;
}

function scoreCell(c: ReturnType<typeof makeChalk>, v: Record<string, unknown>) {
  return v.score === null ? '-' : styled(bandColor(c, v.band, String(v.score)));
}

function credentialTable(shown: Record<string, unknown>[], now: Date, color: boolean): string {
  const c = makeChalk(color);
  return table(
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
      v.id as string,
      v.provider as string,
      v.scopeName as string,
      v.identityName as string,
      v.type as string,
      v.status === 'active'
        ? (v.status as string)
        : styled(c.dim(tty(v.status)) + (v.removedRun ? ' (removed)' : '')),
      shortAge(v.ageDays as number | null),
      lastUsedLabel(v.lastUsedAt as string | null, v.lastUsedKnown as boolean, now),
      expiryLabel(v.expiresAt as string | null, now),
      scoreCell(c, v),
    ]),
    color,
    // On a narrow terminal these go first; the rest is cut with '…'.
    { dropFirst: ['expires', 'age', 'status', 'scope'] },
  );
}

function identityTable(shown: Record<string, unknown>[], now: Date, color: boolean): string {
  const c = makeChalk(color);
  return table(
    [
      'id',
      'provider',
      'scope',
      'identity',
      'kind',
      'owner',
      'credentials',
      'age',
      'last used',
      'score',
    ],
    shown.map((v) => [
      v.id as string,
      v.provider as string,
      v.scopeName as string,
      (v.name as string) + (v.removedRun ? ' (removed)' : ''),
      v.kind as string,
      (v.owner as string | null) ?? '-',
      v.credentials as number,
      shortAge(daysBetween(v.createdAt as string | null, now)),
      lastUsedLabel(v.lastUsedAt as string | null, v.lastUsedKnown as boolean, now),
      scoreCell(c, v),
    ]),
    color,
    { dropFirst: ['owner', 'age', 'credentials', 'scope'] },
  );
}
