/** `nhi list` output: rows streamed as JSON or CSV, or a table of the first rows. */
import { ownerLabel } from '../owners/attribute.js';
import type { CredentialRow, IdentityRow, SubjectQuery } from '../catalog/index.js';
import {
  credentialView,
  identityView,
  CREDENTIAL_VIEW_FIELDS,
  IDENTITY_VIEW_FIELDS,
} from './credential-view.js';
import { daysBetween, expiryLabel, lastUsedLabel, shortAge } from './dates.js';
import type { View } from './evaluate.js';
import type { Globals } from './globals.js';
import { csvText } from '../report/csv.js';
import { indented } from '../report/json.js';
import { colorEnabled, makeChalk, note, out, styled, table, tty } from './output.js';
import { stdoutSink } from './sink.js';

export async function writeList(
  g: Globals,
  view: View,
  q: SubjectQuery,
  opts: {
    format: 'table' | 'json' | 'csv';
    identities: boolean;
  },
): Promise<number> {
  const { store, run } = view;
  const { format } = opts;
  const now = new Date();
  const kind = opts.identities ? 'identity' : 'credential';
  const rows = opts.identities
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
    const cols = (opts.identities ? IDENTITY_VIEW_FIELDS : CREDENTIAL_VIEW_FIELDS).filter(
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
  out(opts.identities ? identityTable(shown, now, color) : credentialTable(shown, now, color));
  if (total > shown.length) {
    note(g, `… ${total - shown.length} more (use --limit, filters, or --format json)`);
  }
  note(
    g,
    `${total} ${opts.identities ? 'identit(ies)' : 'credential(s)'} from scan #${run.id}${run.demo ? ' (demo estate)' : ''}`,
  );
  return 0;
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

function ownerCell(v: Record<string, unknown>): string {
  return ownerLabel({
    owner: v.owner as string | null,
    team: v.team as string | null,
    owned: Boolean(v.owned),
    departed: v.ownerDeparted as boolean | null,
  });
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
      'owner',
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
      ownerCell(v),
      scoreCell(c, v),
    ]),
    color,
    // On a narrow terminal these go first; the rest is cut with '…'.
    { dropFirst: ['expires', 'age', 'owner', 'status', 'scope'] },
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
      ownerCell(v),
      v.credentials as number,
      shortAge(daysBetween(v.createdAt as string | null, now)),
      lastUsedLabel(v.lastUsedAt as string | null, v.lastUsedKnown as boolean, now),
      scoreCell(c, v),
    ]),
    color,
    { dropFirst: ['owner', 'age', 'credentials', 'scope'] },
  );
}
