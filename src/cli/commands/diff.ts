import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import { openStore, type FindingQuery } from '../../catalog/index.js';
import type { Finding, StoredCredential } from '../../model/index.js';
import { catalogPath } from '../catalog-path.js';
import { NO_SCAN_YET, evaluationOf, loadViewConfig } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { jsonArray, jsonDocument, jsonText, renderStreams } from '../../report/index.js';
import type { Renderer, StreamSources } from '../../report/index.js';
import { colorEnabled, line, makeChalk, out, table } from '../output.js';
import { stdoutSink } from '../sink.js';
import { parseCount } from '../limit.js';

/** Rows shown per table; the counts above them are complete. */
const TABLE_ROWS = 200;

/**
 * What changed between two scans: credentials added/removed, findings new/resolved, field
 * changes. Both scans are read under the policy in force (evaluated again when it changed), so
 * only changes in the estate count.
 */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { from?: string; to?: string };
  const format = formatOf(g, ['table', 'json']);
  const toId = f.to === undefined ? undefined : parseCount('--to', f.to);
  const fromId = f.from === undefined ? undefined : parseCount('--from', f.from);
  const store = await openStore(catalogPath(g), { readonly: true });
  try {
    const to = toId ? await store.run(toId) : await store.latestRun();
    if (!to) throw new UserError(f.to ? line`no scan #${f.to} in the catalog` : NO_SCAN_YET);
    const from = fromId ? await store.run(fromId) : await store.previousRun(to.id);
    if (!from)
      throw new UserError(
        f.from
          ? line`no scan #${f.from} in the catalog`
          : `scan #${to.id} is the first one: nothing to compare with`,
      );
    const config = await loadViewConfig(g);
    const after = await evaluationOf(g, store, to, config);
    const before = await evaluationOf(g, store, from, config);
    const failing = (evaluationId: number, other: number): FindingQuery => ({
      evaluationId,
      outcome: 'fail',
      absentFrom: { evaluationId: other, outcome: 'fail' },
    });
    const sources = {
      new: () => store.findings(failing(after.id, before.id)),
      resolved: () => store.findings(failing(before.id, after.id)),
      added: () => store.credentialChanges(from.id, to.id, 'added'),
      removed: () => store.credentialChanges(from.id, to.id, 'removed'),
      changes: () => store.changes(from.id, to.id),
    } satisfies StreamSources;
    if (format === 'json') {
      const skeleton = jsonText(
        {
          from: from.id,
          to: to.id,
          credentials: { added: [], removed: [] },
          findings: { new: [], resolved: [] },
          changes: [],
        },
        2,
      );
      const renderer = (function* (): Renderer {
        yield* jsonDocument(skeleton, [
          ['added', (pad) => jsonArray('added', pad, brief)],
          ['removed', (pad) => jsonArray('removed', pad, brief)],
          ['new', (pad) => jsonArray('new', pad, (x) => x)],
          ['resolved', (pad) => jsonArray('resolved', pad, (x) => x)],
          ['changes', (pad) => jsonArray('changes', pad, (x) => x)],
        ]);
        yield '\n';
      })();
      const sink = stdoutSink();
      await renderStreams(renderer, sources, (c) => sink.write(c));
      await sink.close();
      return 0;
    }
    const newFindings = await firstRows(sources.new());
    const resolved = await firstRows(sources.resolved());
    const added = await firstRows(sources.added());
    const removed = await firstRows(sources.removed());
    const changes = await firstRows(sources.changes());
    const color = colorEnabled(g);
    const c = makeChalk(color);
    out(`Changes from scan #${from.id} to scan #${to.id}`);
    out(
      `credentials: ${c.green(`+${added.count} new`)}, ${c.red(`-${removed.count} removed`)}; ` +
        `findings: ${c.red(`+${newFindings.count} new`)}, ${c.green(`${resolved.count} resolved`)}; ${changes.count} field change(s)`,
    );
    const rows = (label: string, xs: readonly unknown[]) =>
      (xs as Finding[]).map((x) => [
        label,
        x.severity,
        x.ruleId,
        `${x.provider}/${x.scopeName}`,
        x.identityName,
        x.credentialExternalId ?? '-',
      ]);
    const all = [...rows('new', newFindings.rows), ...rows('resolved', resolved.rows)];
    if (all.length)
      out(
        table(
          ['', 'severity', 'rule', 'scope', 'identity', 'credential'],
          all.slice(0, TABLE_ROWS),
          color,
        ),
      );
    const cred = (label: string, xs: readonly unknown[]) =>
      (xs as StoredCredential[]).map((x) => [label, x.provider, x.scopeName, x.type, x.externalId]);
    const credRows = [...cred('added', added.rows), ...cred('removed', removed.rows)];
    if (credRows.length)
      out(
        table(
          ['', 'provider', 'scope', 'type', 'credential'],
          credRows.slice(0, TABLE_ROWS),
          color,
        ),
      );
    return 0;
  } finally {
    await store.close();
  }
}

/** What diff's JSON says about an added or removed credential. */
function brief(c: StoredCredential) {
  return {
    id: c.id,
    provider: c.provider,
    scopeId: c.scopeId,
    type: c.type,
    externalId: c.externalId,
  };
}

/** The first rows a table shows, and how many there are in all. */
async function firstRows(pages: AsyncIterable<readonly unknown[]>) {
  const rows: unknown[] = [];
  let count = 0;
  for await (const page of pages) {
    count += page.length;
    for (const x of page) if (rows.length < TABLE_ROWS) rows.push(x);
  }
  return { rows, count };
}
