/** A trim plan as text: the identity's permissions before → after, with the evidence per line. */
import type { PermissionDiffLine, Plan } from '../../model/index.js';

const MARK: Record<PermissionDiffLine['change'], string> = { removed: '-', kept: ' ', added: '+' };

export function renderTrimPlan(plan: Plan, runId: number | null): string {
  const t = plan.trim!;
  const lines = [
    `Trim ${t.identityKind} ${plan.identityName}${runId !== null ? `  (run ${runId})` : ''}`,
    `  ${plan.provider} ${plan.ref.scope.name} (${plan.ref.scope.id}), catalog id ${plan.credentialId}`,
    `  usage: ${t.usageSource}; unused = not used for ${t.windowDays} days`,
  ];
  if (plan.demo && !t.manual)
    lines.push('  demo estate: changes are made to the in-process stand-in');
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  lines.push('', 'Effective permissions (- removed, + added, kept unmarked)');
  let source = '';
  for (const d of t.diff) {
    if (d.source !== source) lines.push(`  ${(source = d.source)}`);
    lines.push(`   ${MARK[d.change]} ${d.permission.padEnd(28)} ${d.evidence}`);
  }
  if (t.diff.length === 0) lines.push('  (no permissions granted by documents nhi can read)');
  if (t.manual) {
    lines.push(
      '',
      t.replacements?.length
        ? "Steps (a person's, except those marked 'with nhi', which nhi runs when given --sink)"
        : 'Manual steps (manual: nhi changes nothing)',
    );
    if (t.manual.length === 0) lines.push('  none: nothing to narrow');
    t.manual.forEach((m, i) => lines.push(`  ${i + 1}. ${m.replace(/\n/g, '\n     ')}`));
    return lines.join('\n');
  }
  lines.push('', 'Steps');
  if (plan.steps.length === 0) lines.push('  none: nothing to change');
  for (const s of plan.steps) {
    lines.push(`  ${s.seq}. ${s.summary}${s.reversible ? '' : '  [part IRREVERSIBLE]'}`);
    lines.push(`     changes: ${s.changes}`);
    lines.push(`     undo:    ${s.undo}`);
  }
  return lines.join('\n');
}
