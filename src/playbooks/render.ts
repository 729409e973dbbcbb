/** Plans and runs as text: pure functions, so the output is snapshot-testable. */
import { credentialLabel, describeLastUse } from './plan.js';
import type { JournalStep, Plan, RunRecord } from '../model/index.js';
import { renderTrimPlan } from './trim/render.js';

export function renderPlan(plan: Plan, runId: number | null): string {
  if (plan.trim || plan.credentialType === null) return renderTrimPlan(plan, runId);
  const label = credentialLabel(plan.credentialType);
  const head =
    plan.kind === 'rotate'
      ? `Rotate ${label} ${plan.ref.credentialExternalId} of ${plan.identityName}${plan.replacement ? ' to a read-only one' : ''} into ${plan.sink?.raw}`
      : `Revoke ${label} ${plan.ref.credentialExternalId} of ${plan.identityName}`;
  const lines = [
    `${head}${runId !== null ? `  (run ${runId})` : ''}`,
    `  ${plan.provider} ${plan.ref.scope.name} (${plan.ref.scope.id}), catalog id ${plan.credentialId}`,
    `  ${describeLastUse(plan.lastUse)}`,
  ];
  if (plan.demo) lines.push('  demo estate: changes are made to the in-process stand-in');
  for (const n of plan.notes.slice(1)) lines.push(`  note: ${n}`);
  lines.push('', 'Steps');
  for (const s of plan.steps) {
    const flag = s.reversible ? '' : '  [IRREVERSIBLE]';
    lines.push(`  ${s.seq}. ${s.summary}${flag}`);
    lines.push(`     changes: ${s.changes}`);
    lines.push(`     undo:    ${s.undo}`);
  }
  return lines.join('\n');
}

function stepLine(s: JournalStep, plan: Plan): string {
  const p = plan.steps.find((x) => x.seq === s.seq);
  const when = s.finishedAt ?? s.startedAt ?? (s.notBefore ? `due ${s.notBefore}` : '');
  const extra = [
    typeof s.result?.newExternalId === 'string' ? `new ${s.result.newExternalId}` : '',
    s.requestId ? `request ${s.requestId}` : '',
    typeof s.result?.error === 'string' ? `error: ${s.result.error}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `  ${s.seq}. ${s.status.padEnd(7)} ${p?.summary ?? s.action}${when ? `  ${when}` : ''}${extra ? `  (${extra})` : ''}`;
}

export function renderRun(run: RunRecord, steps: JournalStep[]): string {
  const lines = [
    `Run ${run.id}: ${run.kind} ${run.plan.ref.credentialExternalId} (${run.credentialId}) — ${run.status}`,
    `  planned ${run.createdAt}, updated ${run.updatedAt}${run.sink ? `, sink ${run.sink}` : ''}`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  lines.push('', 'Journal');
  for (const s of steps) lines.push(stepLine(s, run.plan));
  return lines.join('\n');
}
