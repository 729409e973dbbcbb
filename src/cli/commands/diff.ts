import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import {
  openStore,
  type CatalogStore,
  type CredentialDiffRow,
  type DiffField,
  type FieldChangeRow,
  type FindingQuery,
} from '../../catalog/index.js';
import type { Finding, ScanRun } from '../../model/index.js';
import { catalogPath } from '../catalog-path.js';
import { parseAgeOrDate } from '../dates.js';
import { NO_SCAN_YET, evaluationOf, loadViewConfig } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { jsonArray, jsonDocument, jsonText, renderStreams } from '../../report/index.js';
import type { Renderer, StreamSources } from '../../report/index.js';
import { eachPage } from '../../report/stream.js';
import { text as md } from '../../report/markdown.js';
import { colorEnabled, line, makeChalk, note, out, styled, table, type Cell } from '../output.js';
import { stdoutSink } from '../sink.js';
import { parseCount } from '../limit.js';

/** Rows shown per section of the terminal table; the counts are complete. */
const TABLE_ROWS = 200;

type Group =
  | 'newCredentials'
  | 'removedCredentials'
  | 'newFindings'
  | 'resolvedFindings'
  | 'statusChanges'
  | 'expiryChanges'
  | 'ownerChanges'
  | 'privilegeChanges';

interface GroupSpec {
  key: Group;
  title: string;
  kind: 'credential' | 'finding' | 'change';
}

/** The sections of a diff, in the order every format shows them. */
const GROUPS: readonly GroupSpec[] = [
  { key: 'newCredentials', title: 'New credentials', kind: 'credential' },
  { key: 'removedCredentials', title: 'Removed credentials', kind: 'credential' },
  { key: 'newFindings', title: 'New findings', kind: 'finding' },
  { key: 'resolvedFindings', title: 'Resolved findings', kind: 'finding' },
  { key: 'statusChanges', title: 'Status changes', kind: 'change' },
  { key: 'expiryChanges', title: 'Expiry changes', kind: 'change' },
  { key: 'ownerChanges', title: 'Owner changes', kind: 'change' },
  { key: 'privilegeChanges', title: 'Privilege changes', kind: 'change' },
];

const FIELD_OF: Partial<Record<Group, DiffField>> = {
  statusChanges: 'status',
  expiryChanges: 'expires_at',
  ownerChanges: 'owner',
  privilegeChanges: 'privilege',
};

interface DiffFlags {
  from?: string;
  to?: string;
  since?: string;
}

/** The two scans compared: --to (default the latest) and --from / --since (default the one before). */
async function chooseRuns(
  store: CatalogStore,
  f: DiffFlags,
): Promise<{ from: ScanRun; to: ScanRun }> {
  if (f.since !== undefined && f.from !== undefined)
    throw new UserError('--since and --from both choose the earlier scan: give one of them');
  const toId = f.to === undefined ? undefined : parseCount('--to', f.to);
  const fromId = f.from === undefined ? undefined : parseCount('--from', f.from);
  const since = f.since === undefined ? undefined : parseAgeOrDate('--since', f.since, new Date());
  const to = toId ? await store.run(toId) : await store.latestRun();
  if (!to)
    throw new UserError(toId ? line`no scan #${toId} in the catalog (see nhi runs)` : NO_SCAN_YET);
  let from: ScanRun | null;
  if (since !== undefined) {
    from = await store.firstRunSince(since);
    if (!from || from.id >= to.id)
      throw new UserError(
        `no scan between ${since} and scan #${to.id} to compare with (see nhi runs)`,
      );
  } else {
    from = fromId ? await store.run(fromId) : await store.previousRun(to.id);
    if (!from)
      throw new UserError(
        fromId
          ? line`no scan #${fromId} in the catalog (see nhi runs)`
          : `scan #${to.id} is the first one: nothing to compare with`,
      );
  }
  if (from.id >= to.id)
    throw new UserError(
      `--from ${from.id} is not before --to ${to.id}: the earlier scan comes first`,
    );
  return { from, to };
}

/**
 * What changed between two scans, grouped: credentials new and removed, findings new and
 * resolved, net status/expiry/owner/privilege changes, each entry named by provider, scope,
 * identity and credential. Both scans are read under the policy in force (evaluated again when
 * it changed), so only changes in the estate count. Every group streams from the catalog.
 */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as DiffFlags;
  const format = formatOf(g, ['table', 'json', 'markdown']);
  const store = await openStore(catalogPath(g), { readonly: true });
  try {
    const { from, to } = await chooseRuns(store, f);
    const config = await loadViewConfig(g);
    const after = await evaluationOf(g, store, to, config);
    const before = await evaluationOf(g, store, from, config);
    const failing = (evaluationId: number, other: number): FindingQuery => ({
      evaluationId,
      outcome: 'fail',
      absentFrom: { evaluationId: other, outcome: 'fail' },
    });
    const sources: StreamSources = {
      newCredentials: () => store.credentialDiff(from.id, to.id, 'added'),
      removedCredentials: () => store.credentialDiff(from.id, to.id, 'removed'),
      newFindings: () => store.findings(failing(after.id, before.id)),
      resolvedFindings: () => store.findings(failing(before.id, after.id)),
    };
    for (const [group, field] of Object.entries(FIELD_OF))
      sources[group] = () => store.fieldChanges(from.id, to.id, field);
    const runRef = (r: ScanRun) => ({ id: r.id, startedAt: r.startedAt });
    const write = async (renderer: Renderer) => {
      const sink = stdoutSink();
      await renderStreams(renderer, sources, (c) => sink.write(c));
      await sink.close();
    };
    if (format === 'json') {
      const skeleton = jsonText(
        {
          from: runRef(from),
          to: runRef(to),
          ...Object.fromEntries(GROUPS.map((x) => [x.key, []])),
        },
        2,
      );
      await write(
        (function* (): Renderer {
          yield* jsonDocument(
            skeleton,
            GROUPS.map(
              (x) => [x.key, (pad: string) => jsonArray(x.key, pad, ENTRY[x.kind])] as const,
            ),
          );
          yield '\n';
        })(),
      );
      return 0;
    }
    if (format === 'markdown') {
      await write(markdownDiff(from, to));
      return 0;
    }
    const color = colorEnabled(g);
    const c = makeChalk(color);
    out(
      `Changes from scan #${from.id} (${when(from)}) to scan #${to.id} (${when(to)})${f.since ? ` — the first scan since ${f.since}` : ''}`,
    );
    const counts: string[] = [];
    for (const x of GROUPS) {
      const { rows, count } = await firstRows(sources[x.key]!());
      if (!count) continue;
      counts.push(`${count} ${x.title.toLowerCase()}`);
      out('');
      out(c.bold(`${x.title} (${count})`));
      out(
        table(
          HEAD[x.kind],
          rows.map((r) => tableRow(x.kind, r, c)),
          color,
          FIT[x.kind],
        ),
      );
      if (count > rows.length)
        note(g, `… ${count - rows.length} more: nhi diff --from ${from.id} --to ${to.id} --json`);
    }
    out('');
    out(
      counts.length
        ? `In all: ${counts.join(', ')}.`
        : 'No changes: same credentials, same findings, no status, expiry, owner or privilege change.',
    );
    return 0;
  } finally {
    await store.close();
  }
}

const when = (r: ScanRun) => r.startedAt.slice(0, 16).replace('T', ' ');

/* ----- entries: one shape per kind, the same handles in every group ----- */

/** Where an entry is: the same names in every group (and as report's JSON calls them). */
function handles(x: {
  provider: string;
  scopeId: string;
  scopeName: string;
  identityName: string | null;
  identityExternalId: string | null;
}) {
  return {
    provider: x.provider,
    scopeId: x.scopeId,
    scopeName: x.scopeName,
    identityName: x.identityName,
    identityExternalId: x.identityExternalId,
  };
}

function credentialEntry(x: CredentialDiffRow) {
  return {
    id: x.id,
    ...handles(x),
    credentialExternalId: x.externalId,
    name: x.name,
    type: x.type,
    status: x.status,
    createdAt: x.createdAt,
    expiresAt: x.expiresAt,
  };
}

function findingEntry(x: Finding) {
  return {
    ruleId: x.ruleId,
    severity: x.severity,
    ...handles(x),
    credentialExternalId: x.credentialExternalId,
    subjectId: x.subjectId,
    fingerprint: x.fingerprint,
    message: x.message,
  };
}

function changeEntry(x: FieldChangeRow) {
  return {
    subjectId: x.subjectId,
    subjectKind: x.subjectKind,
    ...handles(x),
    credentialExternalId: x.credentialExternalId,
    ...(x.grant !== null ? { grant: x.grant } : {}),
    from: x.oldValue,
    to: x.newValue,
  };
}

const ENTRY = {
  credential: credentialEntry,
  finding: findingEntry,
  change: changeEntry,
} as Record<GroupSpec['kind'], (x: never) => unknown>;

/* ----- terminal ----- */

type Chalk = ReturnType<typeof makeChalk>;

const HEAD: Record<GroupSpec['kind'], string[]> = {
  credential: ['scope', 'identity', 'credential', 'type', 'status'],
  finding: ['severity', 'rule', 'scope', 'identity', 'credential'],
  change: ['scope', 'identity', 'credential / grant', 'before', 'after'],
};

const FIT: Record<GroupSpec['kind'], { dropFirst: string[] }> = {
  credential: { dropFirst: ['status', 'type'] },
  finding: { dropFirst: [] },
  change: { dropFirst: [] },
};

const scopeOf = (x: { provider: string; scopeName: string }) => `${x.provider}/${x.scopeName}`;

/** Each entry's cells, as the terminal table and markdown show them. */
const ROW: Record<GroupSpec['kind'], (x: never) => string[]> = {
  credential: (x: CredentialDiffRow) => [
    scopeOf(x),
    x.identityName,
    x.externalId,
    x.type,
    x.status,
  ],
  finding: (x: Finding) => [
    x.severity,
    x.ruleId,
    scopeOf(x),
    x.identityName,
    x.credentialExternalId ?? '-',
  ],
  change: (x: FieldChangeRow) => [
    scopeOf(x),
    x.identityName ?? '-',
    x.grant ?? x.credentialExternalId ?? '-',
    x.oldValue ?? '-',
    x.newValue ?? '-',
  ],
};

/** A terminal row: severities of findings in colour. */
function tableRow(kind: GroupSpec['kind'], x: never, c: Chalk): Cell[] {
  const cells: Cell[] = ROW[kind](x);
  const sev = cells[0] as string;
  if (kind === 'finding' && (sev === 'critical' || sev === 'high')) cells[0] = styled(c.red(sev));
  return cells;
}

/* ----- markdown ----- */

function* markdownDiff(from: ScanRun, to: ScanRun): Renderer {
  yield `# Changes from scan #${from.id} to scan #${to.id}\n\n`;
  yield `Scan #${from.id} started ${from.startedAt}; scan #${to.id} started ${to.startedAt}.\n`;
  for (const x of GROUPS) {
    yield `\n## ${x.title}\n\n`;
    let rows = 0;
    yield* eachPage(x.key, function* (page: readonly unknown[]) {
      const lines: string[] = [];
      for (const r of page) {
        if (rows === 0)
          lines.push(
            `| ${HEAD[x.kind].join(' | ')} |`,
            `|${HEAD[x.kind].map(() => ' --- |').join('')}`,
          );
        rows += 1;
        lines.push(
          `| ${ROW[x.kind](r as never)
            .map((v) => md(v))
            .join(' | ')} |`,
        );
      }
      if (lines.length) yield `${lines.join('\n')}\n`;
    });
    if (!rows) yield 'None.\n';
  }
}

/** The first rows a table shows, and how many there are in all. */
async function firstRows(pages: AsyncIterable<readonly unknown[]>) {
  const rows: never[] = [];
  let count = 0;
  for await (const page of pages) {
    count += page.length;
    for (const x of page) if (rows.length < TABLE_ROWS) rows.push(x as never);
  }
  return { rows, count };
}
