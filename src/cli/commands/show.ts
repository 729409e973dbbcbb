import { Attributor, ownerLabel, ownerWhy, type Attribution } from '../../owners/attribute.js';
import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import type { CatalogStore, ChangeRecord, StoredScore } from '../../catalog/index.js';
import type { Finding, StoredCredential, StoredGrant, StoredIdentity } from '../../model/index.js';
import { fixSteps } from '../../scoring/fix-steps.js';
import type { Contribution } from '../../scoring/score.js';
import { credentialView } from '../credential-view.js';
import { daysBetween, expiryLabel, lastUsedLabel, shortAge } from '../dates.js';
import { openView } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { jsonText } from '../../report/json.js';
import { colorEnabled, line, makeChalk, out, table, tty, warn } from '../output.js';
import { grantAiService } from '../../scoring/ai.js';

export async function run(cmd: Command, args: string[]): Promise<number> {
  const g = globalsOf(cmd);
  const format = formatOf(g, ['table', 'json']);
  const ref = args[0]!;
  const view = await openView(g);
  try {
    // One identity and its credentials: attributed here, without reading the rest of the run.
    const owners = new Attributor(view.config.owners.map);
    return await render(view.store, view.evaluation.id, ref, format, colorEnabled(g), owners);
  } finally {
    await view.store.close();
  }
}

async function render(
  store: CatalogStore,
  evaluationId: number,
  ref: string,
  format: string,
  color: boolean,
  owners: Attributor,
): Promise<number> {
  const found = await store.resolve(ref);
  if (!found) {
    const candidates = await store.candidates(ref);
    if (candidates.length > 1) {
      // The list first (one line each), then the one-line error: exit 2, as for a bad id.
      warn(
        candidates
          .map(
            (c) => line`  ${c.id}  ${c.kind} ${c.provider}/${c.scope} ${c.name} (${c.externalId})`,
          )
          .join('\n'),
      );
      throw new UserError(
        line`'${ref}' matches ${candidates.length} subjects (listed above); give one of their ids`,
      );
    }
    throw new UserError(line`no credential or identity '${ref}' in the catalog (try: nhi list)`);
  }
  const now = new Date();
  const identity = found.identity;
  const credentials = found.kind === 'credential' ? [found.credential] : found.credentials;
  const grants =
    found.kind === 'identity' ? found.grants : await store.grantsOfIdentity(identity.id);
  const subjectIds = [identity.id, ...credentials.map((c) => c.id)];
  const wanted = new Set(subjectIds);
  // The stored evaluation: the same findings and scores every other view shows.
  const relevant = (await store.findingsOfIdentity(evaluationId, identity)).filter((f) =>
    wanted.has(f.subjectId),
  );
  const scores = await store.scoresOf(evaluationId, subjectIds);
  const history = await store.history(subjectIds);
  const identityRef = { name: identity.name, kind: identity.kind, externalId: identity.externalId };
  const openRuns = await store.openPlaybookRuns(credentials.map((x) => x.id));
  // Owners as stored with the evaluation; a removed credential has none stored: attributed here.
  const ownershipOf = (x: StoredCredential) =>
    scores.get(x.id)?.ownership ?? owners.credential(x, identity);

  if (format === 'json') {
    out(
      jsonText(
        {
          kind: found.kind,
          scope: found.scope,
          identity: {
            ...identity,
            score: scores.get(identity.id) ?? null,
            ownership: scores.get(identity.id)?.ownership ?? owners.identity(identity),
          },
          credentials: credentials.map((c) =>
            credentialView(
              {
                credential: c,
                identity: identityRef,
                score: scores.get(c.id) ?? null,
                ownership: ownershipOf(c),
              },
              now,
            ),
          ),
          // Each grant says whether it reaches an AI service (scoring/ai.ts), as scores do.
          grants: grants.map((g) => ({ ...g, ai: grantAiService(g) !== null })),
          findings: relevant,
          history,
          openRuns: openRuns.map((r) => ({
            id: r.id,
            kind: r.kind,
            status: r.status,
            credentialId: r.credentialId,
          })),
        },
        2,
      ),
    );
    return 0;
  }
  const c = makeChalk(color);
  const score = scores.get(found.kind === 'credential' ? found.credential.id : identity.id);
  out(
    c.bold(
      found.kind === 'credential' ? credentialTitle(found.credential) : identityTitle(identity),
    ),
  );
  out(
    (found.kind === 'credential'
      ? describeCredential(
          found.credential,
          identity,
          found.scope.name,
          now,
          ownershipOf(found.credential),
        )
      : describeIdentity(
          identity,
          found.scope.name,
          now,
          scores.get(identity.id)?.ownership ?? owners.identity(identity),
        )) + scoreLine(score),
  );
  if (found.kind === 'identity' || credentials.length) {
    out('\nCredentials');
    out(
      table(
        ['id', 'type', 'external id', 'status', 'age', 'last used', 'expires', 'score'],
        credentials.map((x) => [
          x.id,
          x.type,
          x.externalId,
          x.status + (x.removedRun ? ' (removed)' : ''),
          shortAge(daysBetween(x.createdAt, now)),
          usage(x, now),
          expiryLabel(x.expiresAt, now),
          scores.get(x.id)?.score ?? '-',
        ]),
        color,
      ),
    );
  }
  out(`\nGrants (${grants.length})`);
  if (grants.length) out(grantTable(grants, now, color));
  out(`\nFindings (${relevant.length})`);
  for (const f of relevant) {
    out(findingLine(f, c));
    if (f.outcome === 'fail') for (const l of fixLines(f)) out(c.dim(`      ${tty(l)}`));
  }
  if (score?.contributions.length) {
    out('\nScore contributions');
    const why = new Map(relevant.map((f) => [f.fingerprint, f.message]));
    for (const x of score.contributions as Contribution[]) {
      const reason = x.reason ?? why.get(x.fingerprint);
      out(line`  +${x.points}  ${x.ruleId}${reason ? `: ${reason}` : ''}`);
    }
  }
  for (const r of openRuns)
    out(
      `\nOpen playbook run ${r.id}: ${r.kind} of ${r.credentialId}, ${r.status} (nhi playbook show ${r.id})`,
    );
  out(`\nHistory`);
  out(historyLines(identity, credentials, history));
  return 0;
}

/** How to fix one finding: the playbook command, or the manual steps and where they are documented. */
function fixLines(f: Finding): string[] {
  const fix = fixSteps(f);
  if (!fix) return [];
  if (fix.command)
    return [
      ...fix.steps.map((s) => `first: ${s}`),
      `fix: ${fix.command}  (plans; add --apply to change anything)`,
    ];
  return [
    'fix (manual):',
    ...fix.steps.map((s, i) => `  ${i + 1}. ${s}`),
    ...fix.docs.map((d) => `  see ${d}`),
  ];
}

function scoreLine(score: StoredScore | undefined): string {
  return score ? line`\nrisk score ${score.score}/100 (${score.band})` : '';
}

/** A credential's own facts (its dates, not its identity's), then whose it is. */
function describeCredential(
  x: StoredCredential,
  i: StoredIdentity,
  scopeName: string,
  now: Date,
  owner: Attribution,
): string {
  const handle = x.attributes.handle;
  const lines = [
    line`provider   ${x.provider}  scope ${scopeName} (${x.scopeId})`,
    line`identity   ${i.kind} ${i.name}  ${i.externalId}`,
    ...ownerLines(owner),
    line`credential ${x.type} ${x.externalId}${typeof handle === 'string' && handle !== x.externalId ? `  (${handle})` : ''}`,
    line`status     ${x.status}${x.removedRun ? ` (removed in scan #${x.removedRun})` : ''}`,
    line`created    ${x.createdAt ? `${x.createdAt} (${shortAge(daysBetween(x.createdAt, now))} ago)` : 'unknown'}`,
    line`last used  ${usage(x, now)}`,
    line`expires    ${x.expiresAt ? `${x.expiresAt} (${expiryLabel(x.expiresAt, now)})` : 'never'}`,
  ];
  const tags = tagLine(i);
  if (tags) lines.push(tags);
  return lines.join('\n');
}

/** The identity's tags, each neutralised on its own so one cannot pose as a second tag or line. */
function tagLine(i: StoredIdentity): string | null {
  const tags = Object.entries(i.tags);
  return tags.length ? `tags       ${tags.map(([k, v]) => line`${k}=${v}`).join(' ')}` : null;
}

function credentialTitle(x: StoredCredential): string {
  return line`${x.type} ${x.externalId}${x.name ? ` "${x.name}"` : ''}  [${x.id}]`;
}

function identityTitle(i: StoredIdentity): string {
  return line`${i.kind} ${i.name}  [${i.id}]`;
}

/** Owner and team with the signal they came from; a candidate is said to be one. */
function ownerLines(a: Attribution): string[] {
  const out: string[] = [];
  if (!a.owner && !a.team) out.push('owner      none recorded');
  else if (a.owned) out.push(line`owner      ${ownerLabel(a)}  from ${ownerWhy(a)}`);
  else
    out.push(
      line`owner      none recorded; best candidate ${a.owner ?? a.team} from ${ownerWhy(a)}`,
    );
  const others = a.candidates.slice(1, 4).map((x) => line`${x.owner ?? x.team} (${x.via})`);
  if (others.length) out.push(`           also: ${others.join(', ')}`);
  out.push(line`purpose    ${a.purpose ? `${a.purpose}  (${a.purposeVia})` : 'none recorded'}`);
  return out;
}

function describeIdentity(
  i: StoredIdentity,
  scopeName: string,
  now: Date,
  owner: Attribution,
): string {
  const lines = [
    line`provider   ${i.provider}  scope ${scopeName} (${i.scopeId})`,
    line`identity   ${i.kind} ${i.name}  ${i.externalId}`,
    ...ownerLines(owner),
    line`created    ${i.createdAt ?? 'unknown'}`,
    line`last used  ${lastUsedLabel(i.lastUsedAt, i.lastUsedKnown, now)}`,
  ];
  const tags = tagLine(i);
  if (tags) lines.push(tags);
  return lines.join('\n');
}

function usage(x: StoredCredential, now: Date): string {
  const label = lastUsedLabel(x.lastUsedAt, x.lastUsedKnown, now);
  const svc = x.attributes.lastUsedService;
  return svc && x.lastUsedAt ? `${label} (${String(svc)})` : label;
}

function grantTable(grants: StoredGrant[], now: Date, color: boolean): string {
  const shown = grants.slice(0, 50);
  const t = table(
    ['permission', 'resource', 'privilege', 'source', 'last used'],
    shown.map((x) => [
      x.permission,
      x.resource.length > 40 ? `${x.resource.slice(0, 39)}…` : x.resource,
      x.privilege,
      x.source ?? '-',
      lastUsedLabel(x.lastUsedAt, x.lastUsedKnown, now),
    ]),
    color,
  );
  return grants.length > shown.length
    ? `${t}\n… ${grants.length - shown.length} more (--format json)`
    : t;
}

function findingLine(f: Finding, c: ReturnType<typeof makeChalk>): string {
  const sev = f.outcome === 'not-evaluated' ? c.dim('not evaluated') : f.severity;
  return `  ${sev.padEnd(9)} ${line`${f.ruleId} (${f.owasp}${f.cis ? `, CIS ${f.cis}` : ''}): ${f.message}${f.points ? `  +${f.points}` : ''}`}`;
}

function historyLines(
  identity: StoredIdentity,
  credentials: StoredCredential[],
  history: (ChangeRecord & { subjectId: string })[],
): string {
  const lines = [
    `  first seen in scan #${identity.firstSeenRun}, last seen in scan #${identity.lastSeenRun}`,
  ];
  for (const x of credentials) {
    if (x.removedRun) lines.push(line`  ${x.externalId} removed in scan #${x.removedRun}`);
  }
  for (const h of history) {
    lines.push(
      line`  scan #${h.runId}: ${h.subjectId} ${h.field} ${h.oldValue ?? '∅'} → ${h.newValue ?? '∅'}`,
    );
  }
  return lines.join('\n');
}
