import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { openCatalog } from '../../catalog/index.js';
import type { Finding } from '../../model/index.js';
import { catalogPath } from '../catalog-path.js';
import { formatOf, globalsOf } from '../globals.js';
import { jsonText } from '../../report/json.js';
import { colorEnabled, line, makeChalk, out, table } from '../output.js';

/** What changed between two scans: credentials added/removed, findings new/resolved. */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { from?: string; to?: string };
  const format = formatOf(g, ['table', 'json']);
  const catalog = openCatalog(catalogPath(g), { readonly: true });
  try {
    const to = f.to ? catalog.run(Number(f.to)) : catalog.latestRun();
    if (!to)
      throw new UserError(
        f.to
          ? line`no scan #${f.to} in the catalog`
          : 'the catalog has no completed scan yet: run nhi scan',
      );
    const from = f.from ? catalog.run(Number(f.from)) : catalog.previousRun(to.id);
    if (!from)
      throw new UserError(
        f.from
          ? line`no scan #${f.from} in the catalog`
          : `scan #${to.id} is the first one: nothing to compare with`,
      );
    const now = catalog.findings(to.id).filter((x) => x.outcome === 'fail');
    const before = catalog.findings(from.id).filter((x) => x.outcome === 'fail');
    const beforeKeys = new Set(before.map((x) => x.fingerprint));
    const nowKeys = new Set(now.map((x) => x.fingerprint));
    const newFindings = now.filter((x) => !beforeKeys.has(x.fingerprint));
    const resolved = before.filter((x) => !nowKeys.has(x.fingerprint));
    // Additions and removals between two runs: everything first seen / removed after `from`.
    const added = [];
    const removed = [];
    for (let r = from.id + 1; r <= to.id; r++) {
      const c = catalog.credentialChanges(r);
      added.push(...c.added);
      removed.push(...c.removed);
    }
    const changes = [];
    for (let r = from.id + 1; r <= to.id; r++) changes.push(...catalog.changesInRun(r));
    const result = {
      from: from.id,
      to: to.id,
      credentials: {
        added: added.map((c) => ({
          id: c.id,
          provider: c.provider,
          scopeId: c.scopeId,
          type: c.type,
          externalId: c.externalId,
        })),
        removed: removed.map((c) => ({
          id: c.id,
          provider: c.provider,
          scopeId: c.scopeId,
          type: c.type,
          externalId: c.externalId,
        })),
      },
      findings: { new: newFindings, resolved },
      changes: changes.filter((c) => c.field !== 'removed_run'),
    };
    if (format === 'json') {
      out(jsonText(result, 2));
      return 0;
    }
    const color = colorEnabled(g);
    const c = makeChalk(color);
    out(`Changes from scan #${from.id} to scan #${to.id}`);
    out(
      `credentials: ${c.green(`+${added.length} new`)}, ${c.red(`-${removed.length} removed`)}; ` +
        `findings: ${c.red(`+${newFindings.length} new`)}, ${c.green(`${resolved.length} resolved`)}; ${result.changes.length} field change(s)`,
    );
    const rows = (label: string, xs: Finding[]) =>
      xs.map((x) => [
        label,
        x.severity,
        x.ruleId,
        `${x.provider}/${x.scopeName}`,
        x.identityName,
        x.credentialExternalId ?? '-',
      ]);
    const all = [...rows('new', newFindings), ...rows('resolved', resolved)];
    if (all.length)
      out(
        table(
          ['', 'severity', 'rule', 'scope', 'identity', 'credential'],
          all.slice(0, 200),
          color,
        ),
      );
    const credRows = [
      ...added.map((x) => ['added', x.provider, x.scopeName, x.type, x.externalId]),
      ...removed.map((x) => ['removed', x.provider, x.scopeName, x.type, x.externalId]),
    ];
    if (credRows.length)
      out(table(['', 'provider', 'scope', 'type', 'credential'], credRows.slice(0, 200), color));
    return 0;
  } finally {
    catalog.close();
  }
}
