/** `nhi owners [--owner X] [--team Y] [--unowned]`: who answers for what, and what nobody owns. */
import type { Command } from 'commander';
import {
  ownerGroups,
  unownedIdentities,
  type OwnerGroup,
  type Unowned,
} from '../../owners/summary.js';
import { indented, jsonText, splitAtArray } from '../../report/json.js';
import { openView } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, line, makeChalk, note, out, table } from '../output.js';
import { ownerQuery } from '../ownership.js';
import { stdoutSink } from '../sink.js';

interface OwnersFlags {
  owner?: string;
  team?: string;
  unowned?: boolean;
}

/** Unowned identities the table shows; `--json` holds every one. */
const UNOWNED_SHOWN = 200;

function who(g: OwnerGroup): string {
  const name =
    g.owner && g.team ? `${g.owner} (${g.team})` : (g.owner ?? (g.team ? `team ${g.team}` : '?'));
  return g.departed ? `${name} [departed]` : name;
}

function countsCell(counts: OwnerGroup['findings']): string {
  const parts = (['critical', 'high', 'medium', 'low'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`);
  return parts.join(', ') || 'none';
}

function todoCell(g: OwnerGroup): string {
  const first = g.todo
    .slice(0, 3)
    .map((t) => `${t.count}× ${t.ruleId}${t.playbook ? ` (nhi ${t.playbook})` : ''}`);
  if (g.departed) first.unshift('find a new owner');
  return first.join('; ') || 'nothing';
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as OwnersFlags;
  const format = formatOf(g, ['table', 'json']);
  const view = await openView(g);
  try {
    const filtered = f.owner !== undefined || f.team !== undefined;
    const groups = f.unowned
      ? []
      : await ownerGroups(view.store, view.evaluation.id, ownerQuery(f));
    // A filter on an owner leaves out the unowned list: it is nobody's.
    const unowned = filtered
      ? (async function* () {})()
      : unownedIdentities(view.store, view.evaluation.id);
    if (format === 'json') {
      // Streamed: the unowned list can hold most of a large estate.
      const { before, pad, after } = splitAtArray(
        jsonText({ owners: groups, unowned: [] }, 2),
        'unowned',
      );
      const sink = stdoutSink();
      await sink.write(before);
      let first = true;
      for await (const page of unowned) {
        let text = '';
        for (const u of page) {
          text += (first ? '[\n' : ',\n') + indented(u, `${pad}  `);
          first = false;
        }
        await sink.write(text);
      }
      await sink.write(`${first ? '[]' : `\n${pad}]`}${after}\n`);
      await sink.close();
      return 0;
    }
    const shown: Unowned[] = [];
    let total = 0;
    for await (const page of unowned) {
      total += page.length;
      for (const u of page) if (shown.length < UNOWNED_SHOWN) shown.push(u);
    }
    const color = colorEnabled(g);
    const c = makeChalk(color);
    if (!f.unowned) {
      out(c.bold(`Owners (${groups.length})`));
      out(
        table(
          [
            'owner',
            'identities',
            'credentials',
            'worst score',
            'risk',
            'findings',
            'what needs doing',
          ],
          groups.map((x) => [
            who(x),
            x.identities,
            x.credentials,
            x.band ? `${x.worstScore} (${x.band})` : String(x.worstScore),
            countsCell(x.bands),
            countsCell(x.findings),
            todoCell(x),
          ]),
          color,
          { dropFirst: ['identities', 'risk', 'worst score'] },
        ),
      );
    }
    if (total > 0) {
      out('');
      out(c.bold(`Unowned (${total}): no tag, owner record or ownership map entry names an owner`));
      out(
        table(
          ['identity', 'where', 'credentials', 'score', 'best candidate', 'why'],
          shown.map((u) => [
            `${u.kind} ${u.name}`,
            `${u.provider}/${u.scopeName}`,
            u.liveCredentials,
            u.worstScore,
            u.candidate ? (u.candidate.owner ?? u.candidate.team ?? '') : '—',
            u.candidate ? u.candidate.why : 'no signal: add an owner tag or an owners.map entry',
          ]),
          color,
          { dropFirst: ['where', 'score'] },
        ),
      );
      if (total > shown.length) note(g, `… ${total - shown.length} more (use --json)`);
    }
    note(
      g,
      line`${f.unowned ? '' : `${groups.length} owner(s), `}${total} unowned identit${total === 1 ? 'y' : 'ies'} from scan #${view.run.id}; set owners in the config's owners.map (nhi init shows how)`,
    );
    return 0;
  } finally {
    await view.store.close();
  }
}
