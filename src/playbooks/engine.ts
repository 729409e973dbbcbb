/**
 * Applies a stored plan step by step. Each step is journaled before it runs (intent) and
 * after (result, provider request id), each write its own transaction, so a process killed
 * at any instant leaves a journal from which `resume` finishes and `rollback` restores.
 *
 * The one thing a journal cannot hold is a new secret. Hence the rule: the new credential's
 * id is journaled the moment `create` returns, and if the process that holds the secret dies
 * before the sink has it, resume deletes that credential and creates another.
 */
import type {
  ActionResult,
  ConnectorActions,
  ConnectorContext,
  Credential,
  CredentialRef,
  ProviderId,
  SecretMaterial,
} from '../connector/index.js';
import { hostname } from 'node:os';
import { UserError } from '../connector/index.js';
import type { NewAudit, PlaybookStore, StepUpdate } from '../catalog/playbook-store.js';
import type { JournalStep, Plan, PlanStep, RunRecord, RunStatus } from './types.js';
import { openSink, type CoreSink } from './sinks/index.js';

const DAY_MS = 86_400_000;

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
  /** Test hook, called after every journal write (see test-hooks.ts). */
  afterJournal?: () => void;
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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class Journal {
  constructor(
    private readonly deps: EngineDeps,
    private readonly run: RunRecord,
  ) {}

  write(
    seq: number,
    u: StepUpdate,
    audit?: Omit<NewAudit, 'at' | 'actor' | 'runId' | 'step'>,
  ): void {
    const at = this.deps.now().toISOString();
    this.deps.store.updateStep(
      this.run.id,
      seq,
      u,
      at,
      audit && { ...audit, at, actor: this.deps.actor, runId: this.run.id, step: seq },
    );
    this.deps.afterJournal?.();
  }

  status(status: RunStatus, error: string | null = null): void {
    this.deps.store.setRunStatus(this.run.id, status, this.deps.now().toISOString(), error);
  }
}

function refFor(plan: Plan, externalId: string): CredentialRef {
  return { ...plan.ref, credentialExternalId: externalId };
}

function sameType(plan: Plan, list: Credential[]): Credential[] {
  return list.filter(
    (c) => c.type === plan.credentialType && c.externalId !== plan.ref.credentialExternalId,
  );
}

/** Refuses when the provider no longer matches what the plan was made from. */
export async function checkDrift(
  plan: Plan,
  actions: ConnectorActions,
  ctx: ConnectorContext,
): Promise<void> {
  const id = plan.ref.credentialExternalId;
  const replan = `re-scan and plan again ('nhi scan', then 'nhi ${plan.kind} ${plan.credentialId}')`;
  const live = await actions.describe(ctx, plan.ref);
  if (!live)
    throw new DriftError(
      `${id} no longer exists at ${plan.provider}; nothing was changed: ${replan}`,
    );
  if (live.status !== plan.snapshot.status) {
    throw new DriftError(
      `${id} is ${live.status} now but was ${plan.snapshot.status} when planned; nothing was changed: ${replan}`,
    );
  }
  const siblings = sameType(plan, await actions.listSiblings(ctx, plan.ref));
  const now = new Map(siblings.map((c) => [c.externalId, c.status]));
  const then = new Map(plan.snapshot.siblings.map((c) => [c.externalId, c.status]));
  const appeared = [...now.keys()].filter((k) => !then.has(k));
  const vanished = [...then.keys()].filter((k) => !now.has(k));
  const changed = [...now.entries()]
    .filter(([k, s]) => then.has(k) && then.get(k) !== s)
    .map(([k]) => k);
  if (appeared.length + vanished.length + changed.length > 0) {
    const parts = [
      appeared.length ? `${appeared.join(', ')} appeared` : '',
      vanished.length ? `${vanished.join(', ')} disappeared` : '',
      changed.length ? `${changed.join(', ')} changed status` : '',
    ].filter(Boolean);
    throw new DriftError(
      `the credentials of ${plan.identityName} changed since planning (${parts.join('; ')}); nothing was changed: ${replan}`,
    );
  }
}

/** Deletes a credential unless it is already gone; a deleted one cannot come back. */
async function deleteIfPresent(
  actions: ConnectorActions,
  ctx: ConnectorContext,
  ref: CredentialRef,
): Promise<{ result: ActionResult; alreadyGone: boolean }> {
  if ((await actions.describe(ctx, ref)) === null)
    return { result: { requestId: null }, alreadyGone: true };
  return { result: await actions.delete(ctx, ref), alreadyGone: false };
}

/**
 * Credentials of the identity that the plan did not know and that appeared after `since`:
 * what a `create` interrupted before its result was journaled left behind.
 */
async function findOrphans(
  plan: Plan,
  actions: ConnectorActions,
  ctx: ConnectorContext,
  since: string | null,
): Promise<string[]> {
  const known = new Set(plan.snapshot.siblings.map((s) => s.externalId));
  // Allow for clock skew between this machine and the provider.
  const cutoff = since ? new Date(since).getTime() - 5 * 60_000 : -Infinity;
  return sameType(plan, await actions.listSiblings(ctx, plan.ref))
    .filter((c) => !known.has(c.externalId))
    .filter((c) => c.createdAt === null || new Date(c.createdAt).getTime() >= cutoff)
    .map((c) => c.externalId);
}

interface Live {
  run: RunRecord;
  plan: Plan;
  actions: ConnectorActions;
  ctx: ConnectorContext;
  journal: Journal;
  steps: Map<number, JournalStep>;
  sink: CoreSink | null;
  secret: SecretMaterial | null;
}

function refresh(deps: EngineDeps, live: Live): void {
  live.steps = new Map(deps.store.steps(live.run.id).map((s) => [s.seq, s]));
}

function newCredentialId(live: Live): string | null {
  const create = live.plan.steps.find((s) => s.action === 'create');
  if (!create) return null;
  const v = live.steps.get(create.seq)?.result?.newExternalId;
  return typeof v === 'string' ? v : null;
}

async function ensureSink(deps: EngineDeps, live: Live): Promise<CoreSink> {
  if (!live.sink) {
    if (!live.plan.sink) throw new Error('rotation plan without a sink');
    live.sink = await openSink(live.plan.sink, deps);
  }
  return live.sink;
}

/**
 * Puts a run interrupted mid-rotation back on safe ground: a `create` whose secret died with
 * its process (the sink never confirmed it) is deleted, and create + put run again.
 */
async function recover(deps: EngineDeps, live: Live): Promise<void> {
  const { plan } = live;
  const createStep = plan.steps.find((s) => s.action === 'create');
  const putStep = plan.steps.find((s) => s.action === 'sink-put');
  if (createStep && putStep) {
    const create = live.steps.get(createStep.seq)!;
    const put = live.steps.get(putStep.seq)!;
    if (create.status === 'running') {
      for (const orphan of await findOrphans(plan, live.actions, live.ctx, create.startedAt)) {
        const r = await deleteIfPresent(live.actions, live.ctx, refFor(plan, orphan));
        deps.say(
          `deleted ${orphan}: created by an interrupted run, its secret never reached the sink`,
        );
        live.journal.write(
          createStep.seq,
          { status: 'running', result: { orphanDeleted: orphan }, requestId: r.result.requestId },
          {
            action: 'delete-orphan',
            result: 'ok',
            detail: { target: orphan, requestId: r.result.requestId },
          },
        );
      }
      live.journal.write(createStep.seq, {
        status: 'pending',
        intent: null,
        result: null,
        requestId: null,
      });
    } else if (create.status === 'done' && put.status !== 'done' && live.secret === null) {
      const lost = newCredentialId(live);
      if (lost) {
        const r = await deleteIfPresent(live.actions, live.ctx, refFor(plan, lost));
        deps.say(
          `deleted ${lost}: its secret was lost with the interrupted process before the sink held it`,
        );
        live.journal.write(
          createStep.seq,
          {
            status: 'undone',
            result: { newExternalId: lost, undone: 'secret lost before delivery' },
          },
          {
            action: 'delete-orphan',
            result: 'ok',
            detail: { target: lost, requestId: r.result.requestId },
          },
        );
      }
      if (put.status !== 'pending')
        live.journal.write(putStep.seq, { status: 'pending', intent: null, result: null });
    }
    refresh(deps, live);
  }
}

/** Removes the new credential after the sink refused it, so the old one stays the only one. */
async function compensate(deps: EngineDeps, live: Live, reason: string): Promise<void> {
  const createStep = live.plan.steps.find((s) => s.action === 'create');
  const newId = newCredentialId(live);
  if (!createStep || !newId || live.steps.get(createStep.seq)?.status !== 'done') return;
  try {
    const r = await deleteIfPresent(live.actions, live.ctx, refFor(live.plan, newId));
    live.journal.write(
      createStep.seq,
      {
        status: 'undone',
        result: { newExternalId: newId, undone: reason },
        requestId: r.result.requestId,
      },
      {
        action: 'delete-new',
        result: 'ok',
        detail: { target: newId, requestId: r.result.requestId },
      },
    );
    deps.say(
      `deleted the new credential ${newId}; ${live.plan.ref.credentialExternalId} was not touched`,
    );
  } catch (err) {
    deps.say(
      `could not delete the new credential ${newId}: ${message(err)} (nhi playbook rollback ${live.run.id})`,
    );
  }
  live.secret = null;
}

async function execute(
  deps: EngineDeps,
  live: Live,
  step: PlanStep,
): Promise<{ result: Record<string, unknown>; requestId: string | null }> {
  const { plan, actions, ctx } = live;
  switch (step.action) {
    case 'delete-sibling':
    case 'delete': {
      const r = await deleteIfPresent(actions, ctx, refFor(plan, step.targetExternalId!));
      return {
        result: { deleted: step.targetExternalId, alreadyGone: r.alreadyGone },
        requestId: r.result.requestId,
      };
    }
    case 'deactivate': {
      const r = await actions.deactivate(ctx, refFor(plan, step.targetExternalId!));
      return { result: { deactivated: step.targetExternalId }, requestId: r.requestId };
    }
    case 'create': {
      const r = await actions.create(ctx, plan.ref);
      live.secret = r.secret;
      return {
        result: { newExternalId: r.credential.externalId, createdAt: r.credential.createdAt },
        requestId: r.result.requestId,
      };
    }
    case 'sink-put': {
      const sink = await ensureSink(deps, live);
      if (!live.secret)
        throw new Error('no secret in memory to deliver (resume should have recreated it)');
      const r = await sink.put(live.secret);
      return { result: { sink: sink.describe(), version: r.version }, requestId: r.requestId };
    }
    case 'sink-verify': {
      const sink = await ensureSink(deps, live);
      const putStep = plan.steps.find((s) => s.action === 'sink-put')!;
      const version =
        (live.steps.get(putStep.seq)?.result?.version as string | null | undefined) ?? null;
      if (!(await sink.verify(version))) {
        throw new Error(
          `${sink.describe()} does not hold the new version ${version ?? '(latest)'}`,
        );
      }
      // Delivered and proven: the secret is not needed any more.
      live.secret = null;
      return { result: { sink: sink.describe(), version, verified: true }, requestId: null };
    }
  }
}

function dueAt(live: Live, step: PlanStep, now: Date): string {
  const prev = live.steps.get(step.seq - 1)?.finishedAt;
  const from = prev ? new Date(prev).getTime() : now.getTime();
  return new Date(from + step.delayDays * DAY_MS).toISOString();
}

async function open(deps: EngineDeps, runId: number): Promise<Live> {
  const run = deps.store.getRun(runId);
  if (!run) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  const actions = await deps.loadActions(run.plan.provider);
  const ctx = await deps.contextFor(run.plan.provider);
  return {
    run,
    plan: run.plan,
    actions,
    ctx,
    journal: new Journal(deps, run),
    steps: new Map(deps.store.steps(run.id).map((s) => [s.seq, s])),
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
async function claimed<T>(deps: EngineDeps, runId: number, fn: () => Promise<T>): Promise<T> {
  if (!deps.store.getRun(runId))
    throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  const other = deps.store.claim(runId, ME, holderAlive);
  if (other)
    throw new UserError(`run ${runId} is being applied by process ${other}: wait for it to finish`);
  try {
    return await fn();
  } finally {
    deps.store.release(runId, ME);
  }
}

/** Applies (or resumes) a stored run up to its end or its next delayed step. */
export async function applyRun(deps: EngineDeps, runId: number): Promise<Outcome> {
  return claimed(deps, runId, () => applyClaimed(deps, runId));
}

async function applyClaimed(deps: EngineDeps, runId: number): Promise<Outcome> {
  const pre = deps.store.getRun(runId);
  if (!pre) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  if (pre.status === 'done')
    return { runId, status: 'done', notes: [`run ${runId} is already complete`] };
  if (pre.status === 'rolled-back' || pre.status === 'rolling-back') {
    throw new UserError(
      pre.status === 'rolled-back'
        ? `run ${runId} was rolled back; plan again to start over`
        : `run ${runId} was interrupted while rolling back: finish with 'nhi playbook rollback ${runId}'`,
    );
  }
  const live = await open(deps, runId);
  const { plan } = live;
  const fresh = [...live.steps.values()].every(
    (s) => s.status === 'pending' && s.startedAt === null,
  );
  if (fresh) await checkDrift(plan, live.actions, live.ctx);

  const now = deps.now();
  const toRun = plan.steps.filter((s) => {
    const j = live.steps.get(s.seq)!;
    return (
      j.status !== 'done' &&
      !(s.delayDays > 0 && (j.notBefore === null || new Date(j.notBefore) > now))
    );
  });
  const needsYes = toRun.filter((s) => s.destructive);
  if (needsYes.length > 0 && !deps.yes && !deps.interactive) {
    const s = needsYes.find((x) => !x.reversible) ?? needsYes[0]!;
    throw new UserError(
      `step ${s.seq} (${s.summary}) ${s.reversible ? 'changes a live credential' : 'is IRREVERSIBLE'}: confirm with --yes (there is no terminal to ask on)`,
    );
  }

  if (fresh && plan.sink) {
    // A sink that would refuse (an existing file) refuses before anything is created.
    (await ensureSink(deps, live)).preflight?.();
  }
  live.journal.status('applying');
  await recover(deps, live);

  for (const step of plan.steps) {
    const j = live.steps.get(step.seq)!;
    if (j.status === 'done') continue;
    if (step.delayDays > 0) {
      const at = j.notBefore ?? dueAt(live, step, deps.now());
      if (j.notBefore === null) live.journal.write(step.seq, { status: 'pending', notBefore: at });
      if (new Date(at) > deps.now()) {
        live.journal.status('waiting');
        return {
          runId,
          status: 'waiting',
          notes: [
            `step ${step.seq} (${step.action}) is due at ${at}: 'nhi playbook resume --due' runs it then`,
          ],
        };
      }
    }
    if (step.destructive && !deps.yes) {
      if (!(await deps.confirm(step, live.run))) {
        live.journal.status('stopped');
        return {
          runId,
          status: 'stopped',
          notes: [
            `stopped before step ${step.seq}: 'nhi playbook resume ${runId}' continues, 'rollback' undoes`,
          ],
        };
      }
    }
    live.journal.write(step.seq, {
      status: 'running',
      intent: { action: step.action, target: step.targetExternalId, summary: step.summary },
      startedAt: deps.now().toISOString(),
      finishedAt: null,
    });
    deps.say(`[${step.seq}/${plan.steps.length}] ${step.summary}`);
    let done: { result: Record<string, unknown>; requestId: string | null };
    try {
      done = await execute(deps, live, step);
    } catch (err) {
      const why = message(err);
      live.journal.write(
        step.seq,
        { status: 'failed', result: { error: why }, finishedAt: deps.now().toISOString() },
        {
          action: step.action,
          result: `failed: ${why}`,
          detail: { target: step.targetExternalId },
        },
      );
      refresh(deps, live);
      if (step.action === 'sink-put' || step.action === 'sink-verify') {
        await compensate(deps, live, `sink failed: ${why}`);
      }
      live.journal.status('failed', why);
      throw new PlaybookError(
        `step ${step.seq} (${step.action}) failed: ${why} — run ${runId} is journaled: 'nhi playbook resume ${runId}' retries, 'nhi playbook rollback ${runId}' restores`,
        undefined,
      );
    }
    live.journal.write(
      step.seq,
      {
        status: 'done',
        result: done.result,
        requestId: done.requestId,
        finishedAt: deps.now().toISOString(),
      },
      {
        action: step.action,
        result: 'ok',
        detail: {
          target: step.targetExternalId ?? done.result.newExternalId ?? null,
          requestId: done.requestId,
        },
      },
    );
    refresh(deps, live);
  }
  live.journal.status('done');
  return { runId, status: 'done', notes: [] };
}

/** Undoes what a run did, newest first; reports what cannot be undone (deletions). */
export async function rollbackRun(deps: EngineDeps, runId: number): Promise<Outcome> {
  return claimed(deps, runId, () => rollbackClaimed(deps, runId));
}

async function rollbackClaimed(deps: EngineDeps, runId: number): Promise<Outcome> {
  const pre = deps.store.getRun(runId);
  if (!pre) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  if (pre.status === 'rolled-back')
    return { runId, status: 'rolled-back', notes: [`run ${runId} is already rolled back`] };
  const live = await open(deps, runId);
  const { plan, actions, ctx } = live;
  const notes: string[] = [];
  // Once the old credential is deleted, the new one is the only one that works: keep it.
  let oldGone = false;
  live.journal.status('rolling-back');
  for (const step of [...plan.steps].reverse()) {
    const j = live.steps.get(step.seq)!;
    if (j.status === 'undone') continue;
    const undone = (
      result: Record<string, unknown>,
      requestId: string | null,
      audited: boolean,
    ): void =>
      live.journal.write(
        step.seq,
        { status: 'undone', result: { ...(j.result ?? {}), ...result }, requestId },
        audited
          ? {
              action: `undo-${step.action}`,
              result: 'ok',
              detail: { target: result.target ?? null, requestId },
            }
          : undefined,
      );
    switch (step.action) {
      case 'delete':
      case 'delete-sibling': {
        if (j.status === 'pending') {
          undone({ cancelled: true }, null, false);
          break;
        }
        const gone = (await actions.describe(ctx, refFor(plan, step.targetExternalId!))) === null;
        if (gone) {
          notes.push(
            `step ${step.seq}: ${step.targetExternalId} was deleted and cannot be restored`,
          );
          if (step.targetExternalId === plan.ref.credentialExternalId) oldGone = true;
        } else undone({ cancelled: true }, null, false);
        break;
      }
      case 'deactivate': {
        if (j.status === 'pending') break;
        const ref = refFor(plan, step.targetExternalId!);
        const cur = await actions.describe(ctx, ref);
        if (cur === null) {
          notes.push(
            `step ${step.seq}: ${step.targetExternalId} no longer exists; it cannot be re-activated`,
          );
          break;
        }
        let requestId: string | null = null;
        if (cur.status !== 'active') requestId = (await actions.reactivate(ctx, ref)).requestId;
        deps.say(`re-activated ${step.targetExternalId}`);
        undone({ target: step.targetExternalId, reactivated: true }, requestId, true);
        break;
      }
      case 'sink-verify':
        if (j.status !== 'pending' && !oldGone) undone({}, null, false);
        break;
      case 'sink-put':
        if (oldGone) break; // the sink holds the credential that is kept
        if (j.status === 'done' || j.status === 'running') {
          notes.push(
            `${plan.sink?.raw}: still holds the new value, which no longer works; restore your previous value there`,
          );
          undone({}, null, false);
        }
        break;
      case 'create': {
        const targets = new Set<string>();
        const id = newCredentialId(live);
        if (id && j.status === 'done') {
          if (oldGone) {
            notes.push(
              `kept the new credential ${id}: the old one is deleted, so it is the only one that works`,
            );
            break;
          }
          targets.add(id);
        }
        if (j.status === 'running' || j.status === 'failed') {
          for (const o of await findOrphans(plan, actions, ctx, j.startedAt)) targets.add(o);
        }
        if (j.status === 'pending' && targets.size === 0) break;
        let requestId: string | null = null;
        for (const t of targets) {
          const r = await deleteIfPresent(actions, ctx, refFor(plan, t));
          requestId = r.result.requestId ?? requestId;
          deps.say(`deleted the new credential ${t}`);
        }
        undone(
          { target: [...targets].join(',') || null, deletedNew: [...targets] },
          requestId,
          targets.size > 0,
        );
        break;
      }
    }
    refresh(deps, live);
  }
  live.journal.status('rolled-back');
  return { runId, status: 'rolled-back', notes };
}

/** Runs every waiting run whose delayed step is due (`nhi playbook resume --due`). */
export async function resumeDue(deps: EngineDeps): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const id of deps.store.dueRuns(deps.now().toISOString())) out.push(await applyRun(deps, id));
  return out;
}
