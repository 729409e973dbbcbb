/**
 * What applying or rolling back a run works with: its dependencies, the run opened with its
 * connector and sink, and the journal. Every provider write and sink delivery goes through
 * `effect()` so a test can crash the process right after any external side effect, as the
 * journal hook does after any journal write.
 */
import { hostname } from 'node:os';
import type {
  ConnectorActions,
  ConnectorContext,
  CredentialRef,
  JournalStep,
  Plan,
  PlanStep,
  ProviderId,
  RunRecord,
  RunStatus,
  SecretMaterial,
  SinkDelivery,
  SinkReceipt,
} from '../connector/index.js';
import { UserError } from '../connector/index.js';
import type { NewAudit, PlaybookStore, StepUpdate } from '../catalog/playbook-store.js';
import { openSink, type CoreSink } from './sinks/index.js';

export interface TestHooks {
  /** Called after every journal write, with a label such as `3:sink-put:done`. */
  afterJournal?(label: string): void;
  /** Called after every external side effect (provider write, proof, sink write). */
  afterEffect?(label: string): void;
}

export interface EngineDeps {
  store: PlaybookStore;
  now(): Date;
  /** Who applies: OS user, plus the provider identity when known. */
  actor: string;
  loadActions(provider: ProviderId): Promise<ConnectorActions>;
  /** The provider context (demo stand-in or the real provider, per the run's plan). */
  contextFor(provider: ProviderId): Promise<ConnectorContext>;
  writeStdout(text: string): void;
  /** A progress line for the user. */
  say(line: string): void;
  /** Asks before a destructive step; only called when `interactive` and not `yes`. */
  confirm(step: PlanStep, run: RunRecord): Promise<boolean>;
  yes: boolean;
  interactive: boolean;
  /** Keyed fingerprint of delivered values (the audit key's sub-key; see audit-key.ts). */
  fingerprintOf(values: Record<string, string>): string;
  /** Crash-test hooks (test-hooks.ts); absent in normal use. */
  hooks?: TestHooks;
  /** Where a `notify` step reads its webhook URL (process.env when absent). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Outcome {
  runId: number;
  status: RunStatus;
  /** What the user should know (next due date, what could not be undone…). */
  notes: string[];
}

/** A step failed at the provider: one line naming the step, the run and what to do next. */
export class PlaybookError extends UserError {
  override name = 'PlaybookError';
}

/** The credential changed at the provider since the plan was made. */
export class DriftError extends UserError {
  override name = 'DriftError';
}

/**
 * The replacement is not serving (gone, inactive, or the sink no longer holds it): the old
 * credential must not be touched.
 */
export class GateError extends Error {
  override name = 'GateError';
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Journal {
  constructor(
    private readonly deps: EngineDeps,
    private readonly run: RunRecord,
  ) {}

  /** Resolves once the write is durable: only then may the side effect it precedes start. */
  async write(
    seq: number,
    u: StepUpdate,
    audit?: Omit<NewAudit, 'at' | 'actor' | 'runId' | 'step'>,
    action = '',
  ): Promise<void> {
    const at = this.deps.now().toISOString();
    await this.deps.store.updateStep(
      this.run.id,
      seq,
      u,
      at,
      audit && { ...audit, at, actor: this.deps.actor, runId: this.run.id, step: seq },
    );
    this.deps.hooks?.afterJournal?.(`${seq}:${action}:${u.status}`);
  }

  async status(status: RunStatus, error: string | null = null): Promise<void> {
    await this.deps.store.setRunStatus(this.run.id, status, this.deps.now().toISOString(), error);
  }
}

export interface Live {
  deps: EngineDeps;
  run: RunRecord;
  plan: Plan;
  actions: ConnectorActions;
  ctx: ConnectorContext;
  journal: Journal;
  steps: Map<number, JournalStep>;
  sink: CoreSink | null;
  /** The new secret, held in memory from `create` until `sink-verify` proved the delivery. */
  secret: SecretMaterial | null;
}

export async function refresh(live: Live): Promise<void> {
  live.steps = new Map((await live.deps.store.steps(live.run.id)).map((s) => [s.seq, s]));
}

export function refFor(plan: Plan, externalId: string): CredentialRef {
  return { ...plan.ref, credentialExternalId: externalId };
}

export function stepOf(plan: Plan, action: PlanStep['action']): PlanStep | undefined {
  return plan.steps.find((s) => s.action === action);
}

export function journalOf(live: Live, action: PlanStep['action']): JournalStep | undefined {
  const s = stepOf(live.plan, action);
  return s ? live.steps.get(s.seq) : undefined;
}

/** The credential this run's `create` made (and has not undone), if any. */
export function newCredentialId(live: Live): string | null {
  const j = journalOf(live, 'create');
  const v = j?.result?.newExternalId;
  return j?.status === 'done' && typeof v === 'string' ? v : null;
}

/**
 * A delivery step (sink-put, sink-verify, cutover) counts as done only for the credential
 * `create` holds now: after a new credential was created, an earlier delivery proves nothing.
 */
export function deliveredFor(live: Live, j: JournalStep | undefined): boolean {
  const id = newCredentialId(live);
  return j?.status === 'done' && id !== null && j.result?.credential === id;
}

export function isDone(live: Live, step: PlanStep): boolean {
  const j = live.steps.get(step.seq);
  if (step.action === 'sink-put' || step.action === 'sink-verify' || step.action === 'cutover')
    return deliveredFor(live, j);
  return j?.status === 'done';
}

/** The delivery as journaled before `put`, rebuilt for `put`/`verify` in any process. */
export function deliveryOf(live: Live): { delivery: SinkDelivery; receipt: SinkReceipt | null } {
  const j = journalOf(live, 'sink-put');
  const intent = j?.intent ?? {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const delivery: SinkDelivery = {
    token: String(intent.token ?? ''),
    credentialId: String(intent.credential ?? ''),
    fingerprint: String(intent.fingerprint ?? ''),
    fingerprintOf: (values) => live.deps.fingerprintOf(values),
    earlier: strings(intent.earlier),
  };
  const r = j?.status === 'done' ? j.result : null;
  const receipt = r
    ? {
        version: typeof r.version === 'string' ? r.version : null,
        requestId: typeof r.requestId === 'string' ? r.requestId : null,
        detail: (r.detail ?? undefined) as SinkReceipt['detail'],
      }
    : null;
  return { delivery, receipt };
}

/** Calls a provider or sink write and reports it to the crash hook once it happened. */
export async function effect<T>(live: Live, label: string, fn: () => Promise<T>): Promise<T> {
  const out = await fn();
  live.deps.hooks?.afterEffect?.(label);
  return out;
}

export async function ensureSink(live: Live): Promise<CoreSink> {
  if (!live.sink) {
    if (!live.plan.sink) throw new Error('rotation plan without a sink');
    live.sink = await openSink(live.plan.sink, live.deps);
  }
  return live.sink;
}

export async function openLive(deps: EngineDeps, runId: number): Promise<Live> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  const actions = await deps.loadActions(run.plan.provider);
  const ctx = await deps.contextFor(run.plan.provider);
  return {
    deps,
    run,
    plan: run.plan,
    actions,
    ctx,
    journal: new Journal(deps, run),
    steps: new Map((await deps.store.steps(run.id)).map((s) => [s.seq, s])),
    sink: null,
    secret: null,
  };
}

const ME = `${process.pid}@${hostname()}`;

/** A holder on this host is alive while its pid is; one elsewhere cannot be checked, so it is taken over. */
function holderAlive(holder: string): boolean {
  const at = holder.indexOf('@');
  if (holder.slice(at + 1) !== hostname()) return false;
  try {
    process.kill(Number(holder.slice(0, at)), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One process at a time per run: a cron `resume --due` cannot race a manual resume. */
export async function claimed<T>(
  deps: EngineDeps,
  runId: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!(await deps.store.getRun(runId)))
    throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  const other = await deps.store.claim(runId, ME, holderAlive);
  if (other)
    throw new UserError(`run ${runId} is being applied by process ${other}: wait for it to finish`);
  try {
    return await fn();
  } finally {
    await deps.store.release(runId, ME);
  }
}
