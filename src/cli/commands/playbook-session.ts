/**
 * The session the playbook commands share: catalog + playbook store keyed with the audit key,
 * plan settings from the config and flags, provider contexts (real or demo stand-in),
 * confirmation prompts and the engine's dependencies.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { hostname, userInfo } from 'node:os';
import type {
  ConnectorContext,
  DemoHandle,
  Plan,
  PlanStep,
  ProviderId,
  RunRecord,
} from '../../connector/index.js';
import { UserError } from '../../connector/index.js';
import { loadActions, loadConnector } from '../../connector/registry.js';
import { openStore, type CatalogStore } from '../../catalog/index.js';
import type { PlaybookStore } from '../../catalog/playbook-store.js';
import { loadConfig, type OwnersConfig } from '../../config/index.js';
import { applyRun, type EngineDeps, type Outcome } from '../../playbooks/engine.js';
import { AuditKeyFile, auditKeyPath } from '../../playbooks/audit-key.js';
import { saveRun } from '../../playbooks/housekeeping.js';
import { checkPlanSettings, type PlanSettings } from '../../playbooks/plan.js';
import { renderPlan } from '../../playbooks/render.js';
import { testHooksFromEnv } from '../../playbooks/test-hooks.js';
import { catalogPath } from '../catalog-path.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { note, out } from '../output.js';

export interface ApplyFlags {
  apply?: boolean;
  yes?: boolean;
}

export interface CutoverFlags {
  cutover?: string;
  overlapDays?: string;
}

/**
 * Everything a playbook command needs, opened once and closed by `close()`: the catalog (of
 * either backend) and its playbook store, keyed with the audit key.
 */
export class Session {
  readonly store: PlaybookStore;
  private readonly demos = new Map<ProviderId, Promise<DemoHandle>>();
  private demoSaid = false;

  private constructor(
    readonly g: Globals,
    readonly catalog: CatalogStore,
    readonly keys: AuditKeyFile,
    readonly providerOptions: Record<string, Record<string, unknown>>,
    readonly playbooks: { deleteAfterDays: number; overlapDays: number },
    readonly owners: OwnersConfig = { map: [], notify: null },
  ) {
    this.store = catalog.playbooks(keys);
  }

  static async open(cmd: Command): Promise<Session> {
    const g = globalsOf(cmd);
    // The config schema validates playbooks.* (and their limits) with file:line:col errors.
    const config = await loadConfig({ path: g.config, cwd: process.cwd() });
    const path = catalogPath(g);
    const catalog = await openStore(path);
    const keys = new AuditKeyFile(auditKeyPath(path, process.env), catalog.location);
    return new Session(g, catalog, keys, config.providers, config.playbooks, config.owners);
  }

  /** The config's timing, overridden by --cutover / --overlap-days; checked before planning. */
  planSettings(flags: CutoverFlags = {}): PlanSettings {
    const mode = flags.cutover ?? 'in-use';
    if (mode !== 'now' && mode !== 'in-use') {
      throw new UserError(`--cutover ${mode}: use 'now' or 'in-use'`);
    }
    const overlap =
      flags.overlapDays === undefined ? this.playbooks.overlapDays : Number(flags.overlapDays);
    const settings: PlanSettings = {
      deleteAfterDays: this.playbooks.deleteAfterDays,
      cutover: { mode, overlapDays: overlap },
      notify: this.owners.notify,
      ownersMap: this.owners.map,
    };
    checkPlanSettings(settings);
    return settings;
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
    const debug = this.g.debug
      ? (m: string, d?: Record<string, unknown>) =>
          process.stderr.write(`debug: ${provider}: ${m}${d ? ` ${JSON.stringify(d)}` : ''}\n`)
      : () => {};
    const base = {
      // A live clock: a playbook spans minutes (or, resumed, days), unlike one scan's snapshot.
      now: () => new Date(),
      log: { debug },
      progress: () => {},
      signal: new AbortController().signal,
    };
    if (plan.demo) {
      // The estate is rebuilt from the clock of the scan that produced the plan, so it matches.
      const handle = await this.demo(provider, new Date(await this.demoClock(plan)));
      return { ...base, env: { ...handle.env }, options: { ...handle.options } };
    }
    return { ...base, env: process.env, options: { ...this.providerOptions[provider] } };
  }

  private async demoClock(plan: Plan): Promise<string> {
    const cred = await this.catalog.resolve(plan.credentialId);
    const runId = cred?.kind === 'credential' ? cred.credential.lastSeenRun : null;
    return (runId !== null && (await this.catalog.run(runId))?.startedAt) || plan.createdAt;
  }

  /** The OS user and host, and the provider identity as the connector describes it. */
  async actor(plan: Plan): Promise<string> {
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (some containers): the audit still records the host.
    }
    let who = `${plan.provider} credentials from the environment`;
    if (plan.demo) who = 'demo stand-in';
    else {
      const actions = await loadActions(plan.provider);
      if (actions.actor) who = actions.actor(await this.context(plan.provider, plan));
    }
    return `${user}@${hostname()} (${who})`;
  }

  async deps(plan: Plan, flags: ApplyFlags): Promise<EngineDeps> {
    return {
      store: this.store,
      now: () => new Date(),
      actor: await this.actor(plan),
      loadActions,
      contextFor: (p) => this.context(p, plan),
      writeStdout: (t) => process.stdout.write(t),
      say: (line) => note(this.g, line),
      confirm: (step, run) => confirmStep(step, run),
      yes: Boolean(flags.yes),
      interactive: interactive(),
      fingerprintOf: (values) => this.keys.fingerprintOf(values),
      ...(testHooks ? { hooks: testHooks } : {}),
    };
  }

  async close(): Promise<void> {
    for (const h of this.demos.values()) await (await h).close();
    await this.catalog.close();
  }
}

// One set per process: the crash tests count journal writes and effects across the command.
const testHooks = testHooksFromEnv(process.env);

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

async function confirmStep(step: PlanStep, run: RunRecord): Promise<boolean> {
  if (!step.reversible) {
    const a = await ask(
      `run ${run.id} step ${step.seq}: ${step.summary}\n  IRREVERSIBLE: ${step.changes}. Type 'yes' to proceed: `,
    );
    return a.toLowerCase() === 'yes';
  }
  return /^y(es)?$/i.test(await ask(`run ${run.id} step ${step.seq}: ${step.summary}? [y/N] `));
}

export function outcomeLines(o: Outcome): string {
  return [`run ${o.runId}: ${o.status}`, ...o.notes.map((n) => `  ${n}`)].join('\n');
}

/** Saves a fresh plan (one open run per credential), prints it, and applies exactly the saved copy when asked. */
export async function saveShowApply(
  s: Session,
  plan: Plan,
  flags: ApplyFlags,
  format: string,
): Promise<{ runId: number; outcome: Outcome | null }> {
  const runId = await saveRun(s.store, plan, new Date().toISOString());
  if (format !== 'json') {
    out(renderPlan(plan, runId));
    if (!flags.apply) {
      out(
        `\nNothing changed. Apply this exact plan with: nhi playbook resume ${runId}  (or re-run with --apply)`,
      );
    }
  }
  if (!flags.apply) return { runId, outcome: null };
  const saved = (await s.store.getRun(runId))!;
  const outcome = await applyRun(await s.deps(saved.plan, flags), runId);
  if (format !== 'json') out(outcomeLines(outcome));
  return { runId, outcome };
}

export async function withSession<T>(
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
