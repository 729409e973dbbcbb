/**
 * `nhi report --format markup`: one self-contained page (inline style, static SVG charts, one
 * optional inline script) written as the findings stream from the catalog, so a report of any
 * size is written in bounded memory. It opens from disk, in a mail client, with scripts off and
 * on paper. Every provider string goes through `markup` (escape.ts); the Content-Security-Policy
 * forbids every request and every script but the filter's, should anything slip through.
 */
import type { Finding } from '../../model/index.js';
import { fixSteps } from '../../scoring/fix-steps.js';
import { KPIS, trendOf } from '../../posture/kpis.js';
import { overall, type PostureFigures, type PostureReport } from '../../posture/types.js';
import { FAIL_SEVERITIES, summaryLine } from '../common.js';
import { eachPage, type Renderer, type ReportHead, type SuppressedRow } from '../stream.js';
import type { Chart } from './charts.js';
import { markup, trusted, type Markup } from './escape.js';
import { SCRIPT, SCRIPT_HASH } from './script.js';
import { STYLE } from './style.js';

export interface RuleText {
  title: string;
  /** How to fix, in words (the rule's help). */
  help: string;
}

export interface HtmlHead extends ReportHead {
  /** The run the report shows. */
  run: { id: number; at: string } | null;
  /** Posture of the run and of the runs before it (trend); null when not computed. */
  posture: PostureReport | null;
  charts: readonly Chart[];
  rules: Readonly<Record<string, RuleText>>;
  /** Providers present, for the filter. */
  providers: readonly string[];
  /**
   * The findings table holds the `shown` highest-scored of `total` failing findings (absent:
   * every one); `findingsByRule` counts all of them.
   */
  findingsShown?: { shown: number; total: number };
  findingsByRule?: readonly { rule: string; severity: string; count: number }[];
}

/** "showing 1,000 of 387,211": the cap, the way to every row, and the counts of all of them. */
function capNote(head: HtmlHead): Markup {
  const cut = head.findingsShown;
  if (!cut || cut.shown >= cut.total) return markup``;
  const n = (x: number) => x.toLocaleString('en-US');
  return markup`<p class="cap" role="note">
      <strong>Showing ${n(cut.shown)} of ${n(cut.total)} failing findings</strong>: the
      ${n(cut.shown)} highest-scored. The full list is in
      <code>nhi report --format json|sarif|csv</code> (or
      <code>nhi report --format html --html-findings all</code>). The counts below, the
      figures and the charts cover all ${n(cut.total)}.
    </p>`;
}

function ruleCounts(head: HtmlHead): Markup {
  const rows = head.findingsByRule ?? [];
  if (rows.length === 0) return markup``;
  return markup`<details class="rule-counts" open>
    <summary>Failing findings per rule and severity (all ${rows.reduce((a, r) => a + r.count, 0)})</summary>
    <table>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Title</th>
          <th scope="col">Severity</th>
          <th scope="col" class="num">Findings</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            markup`<tr>
              <td><code>${r.rule}</code></td>
              <td>${head.rules[r.rule]?.title ?? ''}</td>
              <td><span class="sev sev-${r.severity}">${r.severity}</span></td>
              <td class="num">${r.count}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </details>`;
}

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  `script-src ${SCRIPT_HASH}`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function kpiCards(posture: PostureReport): Markup {
  const points = posture.points;
  const last = overall(points.at(-1)!);
  const first = points.length > 1 ? overall(points[0]!) : null;
  const since = points.length > 1 ? `since run #${points[0]!.runId}` : '';
  return markup`<dl class="kpis">
    ${KPIS.map((k) => {
      const t = first ? trendOf(k, first, last) : null;
      return markup`<div>
        <dt>${k.label}</dt>
        <dd>
          <span class="value">${k.show(last)}</span>${
            k.detail ? markup`<span class="detail">${k.detail(last)}</span>` : ''
          }${t ? markup`<span class="trend ${t.direction}">${t.text} ${since}</span>` : ''}
        </dd>
      </div>`;
    })}
  </dl>`;
}

/** KPIs down, one column per figure set (runs of the trend, or providers). */
function kpiTable(summary: string, heads: Markup[], columns: PostureFigures[]): Markup {
  return markup`<details>
    <summary>${summary}</summary>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">KPI</th>
            ${heads.map((h) => markup`<th scope="col" class="num">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${KPIS.map(
            (k) =>
              markup`<tr>
                <th scope="row">${k.label}</th>
                ${columns.map((f) => markup`<td class="num">${k.show(f)}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </details>`;
}

function trendTable(posture: PostureReport): Markup {
  if (posture.points.length < 2) return markup``;
  return kpiTable(
    'Every KPI per run (overall, oldest first)',
    posture.points.map(
      (p) => markup`#${p.runId}<br /><span class="muted">${p.at.slice(0, 10)}</span>`,
    ),
    posture.points.map((p) => overall(p)),
  );
}

function providerTable(posture: PostureReport): Markup {
  const groups = posture.points.at(-1)!.groups.filter((g) => g.level !== 'scope');
  return kpiTable(
    'KPIs per provider',
    groups.map((g) => markup`${g.provider ?? 'all'}`),
    groups.map((g) => g.figures),
  );
}

/** The same KPIs over the subjects that reach an AI service; absent when none does. */
function aiTable(posture: PostureReport): Markup {
  const groups = posture.points.at(-1)!.groups.filter((g) => g.level !== 'scope');
  const all = groups.find((g) => g.level === 'overall')!.ai;
  if (all.identities + all.credentials === 0) return markup``;
  return kpiTable(
    'KPIs of AI-reaching subjects',
    groups.map((g) => markup`${g.provider ?? 'all'}`),
    groups.map((g) => g.ai),
  );
}

function figure(c: Chart): Markup {
  return markup`<figure aria-labelledby="${c.id}-title">
    <figcaption>
      <strong id="${c.id}-title">${c.title}</strong
      ><span id="${c.id}-desc" class="muted"> ${c.description}</span>
    </figcaption>
    ${trusted(c.svg)}
    <details>
      <summary>Data</summary>
      <table>
        <thead>
          <tr>
            ${c.table.head.map((h) => markup`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${c.table.rows.map(
            (r) =>
              markup`<tr>
                ${r.map((v) => (typeof v === 'number' ? markup`<td class="num">${v}</td>` : markup`<td>${v}</td>`))}
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </figure>`;
}

function evidenceValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** How to fix: the finding's own fix (steps filled in, the playbook command), else the rule's help. */
function fixOf(f: Finding, rules: HtmlHead['rules']): Markup {
  const fix = fixSteps(f);
  if (!fix) {
    const help = rules[f.ruleId]?.help;
    return help ? markup`<p><strong>Fix:</strong> ${help}</p>` : markup``;
  }
  // prettier-ignore
  return markup`<p><strong>Fix:</strong></p><ol>${fix.steps.map((s) => markup`<li>${s}</li>`)}${
    fix.command ? markup`<li><code>${fix.command}</code> (plans; <code>--apply</code> changes)</li>` : ''
  }</ol>${fix.docs.length ? markup`<p class="muted">Docs: ${fix.docs.map((d) => markup`<code>${d}</code> `)}</p>` : ''}`;
}

/** Who answers for the finding's subject, as stored with the evaluation, and from which signal. */
function ownerOf(f: Finding): string {
  const who = f.owner && f.team ? `${f.owner} (${f.team})` : (f.owner ?? f.team);
  return who ? `${who}${f.ownerVia ? ` from ${f.ownerVia}` : ''}` : 'none recorded';
}

/** One finding: a table row, evidence and fix folded (kept compact: a report may hold 10^5 rows). */
function findingRow(f: Finding, rules: HtmlHead['rules']): Markup {
  const where = `${f.provider}/${f.scopeName || f.scopeId}`;
  // prettier-ignore
  return markup`<tr data-severity="${f.severity}" data-provider="${f.provider}"><td><span class="sev sev-${f.severity}">${f.severity}</span></td><td><code>${f.ruleId}</code></td><td>${where}</td><td>${f.identityName}</td><td>${f.credentialExternalId ? markup`<code>${f.credentialExternalId}</code>` : '—'}</td>
<td>${f.message}<details><summary>Evidence and fix</summary><dl class="evidence">${Object.entries(f.evidence).map(([k, v]) => markup`<dt>${k}</dt><dd>${evidenceValue(v)}</dd>`)}<dt>owner</dt><dd>${ownerOf(f)}</dd>${f.purpose ? markup`<dt>purpose</dt><dd>${f.purpose}</dd>` : ''}<dt>maps to</dt><dd>${f.owasp}${f.cis ? `, ${f.cis}` : ''}</dd><dt>identity</dt><dd><code>${f.identityExternalId}</code></dd><dt>fingerprint</dt><dd><code>${f.fingerprint}</code></dd></dl>${fixOf(f, rules)}</details></td></tr>
`;
}

export function* htmlRenderer(head: HtmlHead): Renderer {
  const s = head.summary;
  const title = 'nhi report: non-human identities';
  yield markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="Content-Security-Policy" content="${trusted(CSP)}" />
        <meta name="color-scheme" content="light dark" />
        <meta name="generator" content="nhi" />
        <title>${title}</title>
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <a class="skip" href="#findings">Skip to the findings</a>
        <header>
          <h1>Non-human identity report</h1>
          <p class="meta">
            ${head.run ? `Scan run #${head.run.id} of ${head.run.at}` : 'No scan'}${
              head.generatedAt ? ` · generated ${head.generatedAt}` : ''
            }
            · ${summaryLine(s)}
          </p>
        </header>
        <main>
`.value;

  if (head.posture && head.posture.points.length > 0) {
    const pts = head.posture.points;
    yield markup`<section aria-labelledby="kpi-h">
      <h2 id="kpi-h">Headline figures</h2>
      <p class="muted">
        Run
        #${pts.at(-1)!.runId}${
          pts.length > 1 ? `; trend over ${pts.length} runs since #${pts[0]!.runId}` : ''
        }.
        Definitions: README, "Posture KPIs".
      </p>
      ${kpiCards(head.posture)}${trendTable(head.posture)}${providerTable(head.posture)}${aiTable(head.posture)}
    </section> `.value;
  }

  if (head.charts.length > 0) {
    yield markup`<section aria-labelledby="charts-h">
      <h2 id="charts-h">Charts</h2>
      <div class="charts">${head.charts.map(figure)}</div>
    </section> `.value;
  }

  yield markup`<section id="findings" aria-labelledby="findings-h">
    <h2 id="findings-h">Findings</h2>
    <table class="counts">
      <caption class="muted">
        Reported findings by severity
      </caption>
      <thead>
        <tr>
          ${FAIL_SEVERITIES.map((x) => markup`<th scope="col" class="num">${x}</th>`)}
          <th scope="col" class="num">not evaluated</th>
          <th scope="col" class="num">suppressed</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          ${FAIL_SEVERITIES.map(
            (x) => markup`<td class="num">${s.bySeverity[x as keyof typeof s.bySeverity]}</td>`,
          )}
          <td class="num">${s.notEvaluated}</td>
          <td class="num">${s.suppressed}</td>
        </tr>
      </tbody>
    </table>
    ${capNote(head)}${ruleCounts(head)}
    <form id="filters" class="filters" hidden role="search" aria-label="Filter findings">
      <label
        >Severity<select name="severity">
          <option value="">any</option>
          ${FAIL_SEVERITIES.map((x) => markup`<option>${x}</option>`)}
          <option>info</option>
        </select></label
      >
      <label
        >Provider<select name="provider">
          <option value="">any</option>
          ${head.providers.map((p) => markup`<option>${p}</option>`)}
        </select></label
      >
      <label>Text<input type="search" name="q" placeholder="name, rule, id…" /></label>
      <span id="shown" class="count" aria-live="polite"></span>
    </form>
    <table id="findings-table">
      <caption class="muted">
        ${
          head.findingsShown && head.findingsShown.shown < head.findingsShown.total
            ? `The ${head.findingsShown.shown} highest-scored of ${s.findings} failing findings`
            : `${s.findings} failing finding${s.findings === 1 ? '' : 's'}, worst first`
        }
      </caption>
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Rule</th>
          <th scope="col">Where</th>
          <th scope="col">Identity</th>
          <th scope="col">Credential</th>
          <th scope="col">Finding</th>
        </tr>
      </thead>
      <tbody>
`.value;
  const rules = head.rules;
  yield* eachPage<Finding>('failing', function* (page) {
    yield page.map((f) => findingRow(f, rules).value).join('');
  });
  yield '</tbody></table></section>\n';

  if (head.notEvaluated.length > 0 || head.gaps.length > 0) {
    yield markup`<section aria-labelledby="ne-h">
      <h2 id="ne-h">Not evaluated</h2>
      <p>Missing data is not a clean bill: these checks could not run.</p>
      <ul>
        ${head.notEvaluated.map(
          (r) => markup`<li><code>${r.ruleId}</code>: ${r.count} × ${r.reasons.join('; ')}</li>`,
        )}${head.gaps.map(
          (g) =>
            markup`<li>
              ${g.provider}/<code>${g.scopeId}</code> <code>${g.signal}</code>:
              ${g.message}${g.fix ? markup` (fix: ${g.fix})` : ''}
            </li>`,
        )}
      </ul>
    </section> `.value;
  }

  if (s.suppressed > 0 || head.expiredExceptions.length > 0) {
    yield '<section aria-labelledby="ex-h"><h2 id="ex-h">Exceptions</h2><ul>\n';
    yield* eachPage<SuppressedRow>('suppressed', function* (page) {
      yield page
        .map(
          (x) =>
            markup`<li>
              suppressed <code>${x.finding.ruleId}</code> on
              <code>${x.finding.credentialExternalId ?? x.finding.identityName}</code> until
              ${x.exception.expires}: ${x.exception.reason}
            </li> `.value,
        )
        .join('');
    });
    yield markup`${head.expiredExceptions.map(
      (e) =>
        markup`<li>
          <strong>expired</strong>
          <code>${[e.exception.rule, e.exception.id].filter(Boolean).join(' ')}</code> (expires
          ${e.exception.expires}; ${e.exception.reason}): ${e.findings} finding(s) reported again
        </li>`,
    )}</ul></section>
`.value;
  }

  yield markup`</main>
<footer>Made by nhi. Metadata only: no secret value is in this file. Scores 0–100; bands low, medium, high, critical.</footer>
<script>${trusted(SCRIPT)}</script>
</body>
</html>
`.value;
}
