/**
 * The headline KPIs every posture view shows, as data: label, how to read it from the figures,
 * how to print it, and which direction is better (for trend arrows). The terminal table, the
 * markdown and the HTML report all read this one list.
 */
import type { PostureFigures, Ratio } from './types.js';

export interface Kpi {
  key: string;
  label: string;
  /** The number compared across runs (a share in %, a count, days); null when undefined. */
  value(f: PostureFigures): number | null;
  /** The figure as people read it: "82.0 %", "1,204", "37 d". */
  show(f: PostureFigures): string;
  /** "41 of 50": the numerator and denominator, where the KPI is a share. */
  detail?(f: PostureFigures): string;
  better: 'higher' | 'lower' | 'neither';
  unit: '%' | 'count' | 'days';
}

const count = (n: number) => n.toLocaleString('en-US');
export const percent = (r: Ratio) => (r.share === null ? null : Math.round(r.share * 1000) / 10);
const showShare = (r: Ratio) => {
  const p = percent(r);
  return p === null ? 'n/a' : `${p.toFixed(1)} %`;
};
const ofDetail = (r: Ratio) => `${count(r.numerator)} of ${count(r.denominator)}`;
const days = (d: number | null) => (d === null ? 'n/a' : `${Math.round(d)} d`);

function share(
  key: string,
  label: string,
  get: (f: PostureFigures) => Ratio,
  better: Kpi['better'],
): Kpi {
  return {
    key,
    label,
    value: (f) => percent(get(f)),
    show: (f) => showShare(get(f)),
    detail: (f) => ofDetail(get(f)),
    better,
    unit: '%',
  };
}

function tally(
  key: string,
  label: string,
  get: (f: PostureFigures) => number | null,
  better: Kpi['better'],
): Kpi {
  return {
    key,
    label,
    value: get,
    show: (f) => (get(f) === null ? 'n/a' : count(get(f)!)),
    better,
    unit: 'count',
  };
}

function age(
  key: string,
  label: string,
  get: (f: PostureFigures) => number | null,
  better: Kpi['better'],
): Kpi {
  return {
    key,
    label,
    value: (f) => (get(f) === null ? null : Math.round(get(f)!)),
    show: (f) => days(get(f)),
    better,
    unit: 'days',
  };
}

export const KPIS: readonly Kpi[] = [
  tally('identities', 'Identities', (f) => f.identities, 'neither'),
  tally('credentials', 'Credentials', (f) => f.credentials, 'neither'),
  share('notEvaluated', 'Subjects not fully evaluated', (f) => f.subjectsNotEvaluated, 'lower'),
  share('rotation', 'Rotation compliance', (f) => f.rotationCompliant, 'higher'),
  share('expiry', 'Credentials with an expiry', (f) => f.withExpiry, 'higher'),
  age('meanAge', 'Mean credential age', (f) => f.meanAgeDays, 'lower'),
  age('p90Age', 'p90 credential age', (f) => f.p90AgeDays, 'lower'),
  share('admin', 'Identities with admin/escalation', (f) => f.adminOrEscalation, 'lower'),
  share('unusedGrantShare', 'Identities with unused grants', (f) => f.withUnusedGrants, 'lower'),
  tally('unusedGrants', 'Unused grants', (f) => f.unusedGrants, 'lower'),
  tally('unusedCredentials', 'Unused credentials', (f) => f.unusedCredentials, 'lower'),
  tally('neverUsed', 'Never-used credentials', (f) => f.neverUsedCredentials, 'lower'),
  tally('dormant', 'Dormant identities', (f) => f.dormantIdentities, 'lower'),
  tally('keysInCi', 'Cloud keys in CI', (f) => f.keysInCi, 'lower'),
  share('owner', 'Owner coverage', (f) => f.withOwner, 'higher'),
  tally(
    'criticalHigh',
    'Critical + high findings',
    (f) => f.findings.critical + f.findings.high,
    'lower',
  ),
  age('mttr', 'Mean time to resolve', (f) => f.meanDaysToResolve, 'lower'),
];

/** "▲ 4.0 pts", "▼ 12", "no change": the change from `from` to `to`, and whether it is better. */
export function trendOf(
  kpi: Kpi,
  from: PostureFigures,
  to: PostureFigures,
): { text: string; direction: 'better' | 'worse' | 'same' | 'unknown' } {
  const a = kpi.value(from);
  const b = kpi.value(to);
  if (a === null || b === null) return { text: 'n/a', direction: 'unknown' };
  const d = Math.round((b - a) * 10) / 10;
  if (d === 0) return { text: 'no change', direction: 'same' };
  const unit = kpi.unit === '%' ? ' pts' : kpi.unit === 'days' ? ' d' : '';
  const text = `${d > 0 ? '▲ +' : '▼ '}${kpi.unit === '%' ? d.toFixed(1) : count(d)}${unit}`;
  if (kpi.better === 'neither') return { text, direction: 'same' };
  const good = kpi.better === 'higher' ? d > 0 : d < 0;
  return { text, direction: good ? 'better' : 'worse' };
}
