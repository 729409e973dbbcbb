/** `nhi owners [--owner X] [--team Y] [--unowned]`: who answers for what, and what nobody owns. */
import type { Command } from 'commander';
import { matchesOwner } from '../../owners/attribute.js';
import { summarizeOwners, type OwnerGroup } from '../../owners/summary.js';
import { jsonText } from '../../report/json.js';
import type { Finding } from '../../model/index.js';
import { openView } from '../evaluate.js';
import { loadOwnership } from '../ownership.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, line, makeChalk, note, out, table } from '../output.js';

interface OwnersFlags {
  owner?: string;
  team?: string;
  unowned?: boolean;
}

function who(g: OwnerGroup): string {
  const name =
    g.owner && g.team ? `${g.owner} (${g.team})` : (g.owner ?? (g.team ? `team ${g.team}` : '?'));
  return g.departed ? `${name} [departed]` : name;
}

function findingsCell(g: OwnerGroup): string {
  const parts = (['critical', 'high', 'medium', 'low'] as const)
    .filter((k) => g.findings[k] > 0)
    .map((k) => `${g.findings[k]} ${k}`);
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
  let summary;
  try {
    const { identities, credentials, owners } = await loadOwnership(view);
    const present = (x: { removedRun: number | null }) => x.removedRun === null;
    const findings: Finding[] = [];
    for await (const page of view.store.findings({
      evaluationId: view.evaluation.id,
      outcome: 'fail',
    }))
      findings.push(...page);
    const scores: { subjectId: string; score: number; band: string }[] = [];
    for await (const page of view.store.scores(view.evaluation.id)) scores.push(...page);
    summary = summarizeOwners({
      identities: identities.filter(present),
      credentials: credentials.filter(present),
      findings,
      scores,
      owners,
    });
  } finally {
    await view.store.close();
  }
  const groups = f.unowned ? [] : summary.owners.filter((x) => matchesOwner(x, f.owner, f.team));
  // A filter on an owner leaves out the unowned list: it is nobody's.
  const unowned = f.owner || f.team ? [] : summary.unowned;
  if (format === 'json') {
    out(jsonText({ owners: groups, unowned }, 2));
    return 0;
  }
  const color = colorEnabled(g);
  const c = makeChalk(color);
  if (!f.unowned) {
    out(c.bold(`Owners (${groups.length})`));
    out(
      table(
        ['owner', 'identities', 'credentials', 'worst score', 'findings', 'what needs doing'],
        groups.map((x) => [
          who(x),
          x.identities.length,
          x.credentials.length,
          x.band ? `${x.worstScore} (${x.band})` : String(x.worstScore),
          findingsCell(x),
          todoCell(x),
        ]),
        color,
        { dropFirst: ['identities', 'worst score'] },
      ),
    );
  }
  if (unowned.length > 0) {
    out('');
    out(
      c.bold(
        `Unowned (${unowned.length}): no tag, owner record or ownership map entry names an owner`,
      ),
    );
    out(
      table(
        ['identity', 'where', 'credentials', 'score', 'best candidate', 'why'],
        unowned
          .slice(0, 200)
          .map((u) => [
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
    if (unowned.length > 200) note(g, `… ${unowned.length - 200} more (use --json)`);
  }
  note(
    g,
    line`${f.unowned ? '' : `${groups.length} owner(s), `}${unowned.length} unowned identit${unowned.length === 1 ? 'y' : 'ies'} from scan #${view.run.id}; set owners in the config's owners.map (nhi init shows how)`,
  );
  return 0;
}
