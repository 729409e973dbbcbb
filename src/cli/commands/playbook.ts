/**
 * `nhi playbook list|show|resume|rollback|audit`, and the session the revoke/rotate/remediate
 * commands share: catalog + playbook store, provider contexts (real or demo stand-in),
 * confirmation prompts and the engine's dependencies.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { hostname, userInfo } from 'node:os';
import { readUserFile, writeUserFile } from '../user-files.js';
import type { ConnectorContext, DemoHandle, ProviderId } from '../../connector/index.js';
import { UserError } from '../../connector/index.js';
import { loadActions, loadConnector } from '../../connector/registry.js';
import { openCatalog, type Catalog } from '../../catalog/index.js';
import { PlaybookStore, verifyAuditChain } from '../../catalog/playbook-store.js';
import { loadConfig } from '../../config/index.js';
import { applyRun, rollbackRun, type EngineDeps, type Outcome } from '../../playbooks/engine.js';
import { renderPlan, renderRun } from '../../playbooks/render.js';
import { killHookFromEnv } from '../../playbooks/test-hooks.js';
import type { AuditEntry, Plan, PlanStep, RunRecord } from '../../playbooks/types.js';
import { catalogPath } from '../catalog-path.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { colorEnabled, note, out, table } from '../output.js';

export interface ApplyFlags {
  apply?: boolean;
  yes?: boolean;
}

/** Everything a playbook command needs, opened once and closed by `close()`. */
export class Session {
  readonly store: PlaybookStore;
  private readonly demos = new Map<ProviderId, Promise<DemoHandle>>();
  private demoSaid = false;

  private constructor(
    readonly g: Globals,
    readonly catalog: Catalog,
    readonly providerOptions: Record<string, Record<string, unknown>>,
    readonly deleteAfterDays: number,
  ) {
    this.store = new PlaybookStore(catalog.db);
  }

  static async open(cmd: Command): Promise<Session> {
    const g = globalsOf(cmd);
    const config = await loadConfig({ path: g.config, cwd: process.cwd() });
    // The config schema validates playbooks.deleteAfterDays (default 7).
    const days = config.playbooks.deleteAfterDays;
    return new Session(g, openCatalog(catalogPath(g)), config.providers, days);
  }

  /** Starts the provider's stand-in once per process; it dies with the process. */
  private demo(provider: ProviderId, clock: Date): Promise<DemoHandle> {
    let h = this.demos.get(provider);
    if (!h) {
      if (!this.demoSaid) {
        note(this.g, 'demo estate: changes are made to the in-process stand-in');
        this.demoSaid = true;
      }
      h = loadConnector(provider).then((c) => c.startDemo(clock));
      this.demos.set(provider, h);
    }
    return h;
  }

  async context(provider: ProviderId, plan: Plan): Promise<ConnectorContext> {
    const now = new Date();
    const debug = this.g.debug
      ? (m: string, d?: Record<string, unknown>) =>
          process.stderr.write(`debug: ${provider}: ${m}${d ? ` ${JSON.stringify(d)}` : ''}\n`)
      : () => {};
    const base = {
      now: () => now,
      log: { debug },
      progress: () => {},
      signal: new AbortController().signal,
    };
    if (plan.demo) {
      // The estate is rebuilt from the clock of the scan that produced the plan, so it matches.
      const handle = await this.demo(provider, new Date(this.demoClock(plan)));
      return { ...base, env: { ...handle.env }, options: { ...handle.options } };
    }
    return { ...base, env: process.env, options: { ...this.providerOptions[provider] } };
  }

  private demoClock(plan: Plan): string {
    const cred = this.catalog.resolve(plan.credentialId);
    const runId = cred?.kind === 'credential' ? cred.credential.lastSeenRun : null;
    return (runId !== null && this.catalog.run(runId)?.startedAt) || plan.createdAt;
  }

  actor(plan: Plan): string {
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (some containers): the audit still records the host.
    }
    const who = plan.demo
      ? 'demo stand-in'
      : plan.provider === 'aws'
        ? process.env.AWS_PROFILE
          ? `aws profile ${process.env.AWS_PROFILE}`
          : process.env.AWS_ACCESS_KEY_ID
            ? `aws key ${process.env.AWS_ACCESS_KEY_ID}`
            : 'aws default chain'
        : `${plan.provider} credentials from the environment`;
    return `${user}@${hostname()} (${who})`;
  }

  deps(plan: Plan, flags: ApplyFlags): EngineDeps {
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    return {
      store: this.store,
      now: () => new Date(),
      actor: this.actor(plan),
      loadActions,
      contextFor: (p) => this.context(p, plan),
      writeStdout: (t) => process.stdout.write(t),
      say: (line) => note(this.g, line),
      confirm: (step, run) => confirm(step, run),
      yes: Boolean(flags.yes),
      interactive,
      afterJournal: killHookFromEnv(process.env),
    };
  }

  async close(): Promise<void> {
    for (const h of this.demos.values()) await (await h).close();
    this.catalog.close();
  }
}

async function confirm(step: PlanStep, run: RunRecord): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (!step.reversible) {
      const a = await rl.question(
        `run ${run.id} step ${step.seq}: ${step.summary}\n  IRREVERSIBLE: ${step.changes}. Type 'yes' to proceed: `,
      );
      return a.trim().toLowerCase() === 'yes';
    }
    const a = await rl.question(`run ${run.id} step ${step.seq}: ${step.summary}? [y/N] `);
    return /^y(es)?$/i.test(a.trim());
  } finally {
    rl.close();
  }
}

export function outcomeLines(o: Outcome): string {
  const head =
    o.status === 'done'
      ? `run ${o.runId}: done`
      : o.status === 'waiting'
        ? `run ${o.runId}: waiting`
        : `run ${o.runId}: ${o.status}`;
  return [head, ...o.notes.map((n) => `  ${n}`)].join('\n');
}

/** Saves a fresh plan, prints it, and applies exactly the saved copy when asked. */
export async function saveShowApply(
  s: Session,
  plan: Plan,
  flags: ApplyFlags,
  format: string,
): Promise<{ runId: number; outcome: Outcome | null }> {
  const runId = s.store.createRun(plan, new Date().toISOString());
  if (format !== 'json') {
    out(renderPlan(plan, runId));
    if (!flags.apply) {
      out(
        `\nNothing changed. Apply this exact plan with: nhi playbook resume ${runId}  (or re-run with --apply)`,
      );
    }
  }
  if (!flags.apply) return { runId, outcome: null };
  const saved = s.store.getRun(runId)!;
  const outcome = await applyRun(s.deps(saved.plan, flags), runId);
  if (format !== 'json') out(outcomeLines(outcome));
  return { runId, outcome };
}

function runIdOf(arg: string | undefined): number {
  const n = Number(arg);
  if (!arg || !Number.isInteger(n) || n < 1)
    throw new UserError(`'${arg ?? ''}' is not a run number (nhi playbook list)`);
  return n;
}

async function withSession<T>(
  cmd: Command,
  fn: (s: Session, format: string) => Promise<T>,
): Promise<T> {
  const format = formatOf(globalsOf(cmd), ['table', 'json']);
  const s = await Session.open(cmd);
  try {
    return await fn(s, format);
  } finally {
    await s.close();
  }
}

export async function list(cmd: Command): Promise<number> {
  return withSession(cmd, async (s, format) => {
    const runs = s.store.listRuns();
    if (format === 'json') {
      out(
        JSON.stringify(
          runs.map(({ plan: _plan, ...r }) => r),
          null,
          2,
        ),
      );
      return 0;
    }
    if (runs.length === 0) {
      out('no playbook runs yet (nhi revoke <id> or nhi rotate <id> --sink …)');
      return 0;
    }
    const rows = runs.map((r) => {
      const due =
        s.store.steps(r.id).find((x) => x.status === 'pending' && x.notBefore)?.notBefore ?? '';
      return [
        r.id,
        r.kind,
        r.plan.ref.credentialExternalId,
        r.plan.identityName,
        r.status,
        due,
        r.updatedAt,
      ];
    });
    out(
      table(
        ['run', 'kind', 'credential', 'identity', 'status', 'next due', 'updated'],
        rows,
        colorEnabled(s.g),
      ),
    );
    return 0;
  });
}

export async function show(cmd: Command, args: string[]): Promise<number> {
  const id = runIdOf(args[0]);
  return withSession(cmd, async (s, format) => {
    const run = s.store.getRun(id);
    if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
    const steps = s.store.steps(id);
    if (format === 'json') {
      out(JSON.stringify({ run, steps }, null, 2));
      return 0;
    }
    out(renderPlan(run.plan, run.id));
    out('');
    out(renderRun(run, steps));
    return 0;
  });
}

export async function resume(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as ApplyFlags & { due?: boolean };
  // An optional argument that was not given arrives as the string 'undefined'.
  const given = args[0] !== undefined && args[0] !== 'undefined' ? args[0] : undefined;
  return withSession(cmd, async (s, format) => {
    let outcomes: Outcome[];
    const failures: string[] = [];
    if (f.due) {
      if (given) throw new UserError('give a run number or --due, not both');
      // Each run with its own context (demo or real); one failing run does not stop the others.
      outcomes = [];
      for (const id of s.store.dueRuns(new Date().toISOString())) {
        const run = s.store.getRun(id)!;
        try {
          outcomes.push(await applyRun(s.deps(run.plan, f), id));
        } catch (err) {
          failures.push(`run ${id}: ${(err as Error).message}`);
        }
      }
      if (outcomes.length === 0 && format !== 'json') out('no deletions are due');
    } else {
      const id = runIdOf(given);
      const run = s.store.getRun(id);
      if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
      if (format !== 'json' && run.status === 'planned') out(renderPlan(run.plan, id));
      outcomes = [await applyRun(s.deps(run.plan, f), id)];
    }
    if (format === 'json') out(JSON.stringify(outcomes, null, 2));
    else for (const o of outcomes) out(outcomeLines(o));
    if (failures.length) throw new UserError(failures.join('; '));
    return 0;
  });
}

export async function rollback(cmd: Command, args: string[]): Promise<number> {
  const id = runIdOf(args[0]);
  return withSession(cmd, async (s, format) => {
    const run = s.store.getRun(id);
    if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
    const outcome = await rollbackRun(s.deps(run.plan, { yes: true }), id);
    if (format === 'json') out(JSON.stringify(outcome, null, 2));
    else out(outcomeLines(outcome));
    return 0;
  });
}

function parseAuditLines(text: string, source: string): AuditEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as AuditEntry;
      } catch {
        throw new UserError(`${source} line ${i + 1} is not JSON`);
      }
    });
}

export async function audit(cmd: Command): Promise<number> {
  const f = cmd.opts() as { export?: string; verify?: boolean | string };
  return withSession(cmd, async (s, format) => {
    const fromFile = typeof f.verify === 'string';
    const entries = fromFile
      ? parseAuditLines(readUserFile(f.verify as string, 'audit export'), f.verify as string)
      : s.store.audit();
    if (f.export !== undefined) {
      const text = entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
      if (f.export === '-') process.stdout.write(text);
      else writeUserFile(f.export, text, 'audit export', { mode: 0o600 });
      if (f.export !== '-') note(s.g, `exported ${entries.length} audit entries to ${f.export}`);
      if (!f.verify) return 0;
    }
    if (f.verify) {
      const v = verifyAuditChain(entries);
      if (format === 'json') out(JSON.stringify(v, null, 2));
      else
        out(
          v.ok
            ? `audit log intact: ${v.entries} entries, hash chain verified`
            : `audit log TAMPERED at entry ${v.brokenAt}: ${v.reason}`,
        );
      return v.ok ? 0 : 1;
    }
    if (format === 'json') {
      out(JSON.stringify(entries, null, 2));
      return 0;
    }
    out(
      table(
        ['#', 'at', 'actor', 'run', 'step', 'action', 'result'],
        entries.map((e) => [e.seq, e.at, e.actor, e.runId ?? '', e.step ?? '', e.action, e.result]),
        colorEnabled(s.g),
      ),
    );
    return 0;
  });
}
