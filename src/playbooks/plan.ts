/**
 * Pure planning: catalog facts + provider capabilities in, a Plan out. No I/O, no clock
 * reads (the caller passes `now`), so a plan is reproducible and printable on its own.
 */
import type { NotifyConfig } from '../config/load.js';
import type {
  ActionCapabilities,
  CredentialRef,
  CredentialType,
  CutoverMode,
  LastUse,
  Plan,
  PlanNotice,
  PlanStep,
  PlaybookKind,
  ReplacementSpec,
  Scope,
  SinkSpec,
  StoredCredential,
  StoredIdentity,
} from '../connector/index.js';
import { PLAYBOOK_LIMITS } from '../model/index.js';
import { UserError } from '../connector/index.js';
import type { OwnershipRule } from '../owners/map.js';

export const DEFAULT_DELETE_AFTER_DAYS = PLAYBOOK_LIMITS.deleteAfterDays.default;

/** The timing a plan is made with: the config's `playbooks` section and the command's flags. */
export interface PlanSettings {
  deleteAfterDays: number;
  cutover: { mode: CutoverMode; overlapDays: number };
  /** Owners are told before changes (config `owners.notify`); absent: nobody is told. */
  notify?: NotifyConfig | null;
  /** The config's `owners.map`, for attributing the credential's owner. */
  ownersMap?: readonly OwnershipRule[];
}

export const DEFAULT_PLAN_SETTINGS: PlanSettings = {
  deleteAfterDays: PLAYBOOK_LIMITS.deleteAfterDays.default,
  cutover: { mode: 'in-use', overlapDays: PLAYBOOK_LIMITS.overlapDays.default },
};

/** One line, exit 2, before anything is planned: a delay the engine could not even compute. */
export function checkPlanSettings(s: PlanSettings): void {
  const check = (name: keyof typeof PLAYBOOK_LIMITS, v: number, where: string) => {
    const l = PLAYBOOK_LIMITS[name];
    if (!Number.isInteger(v) || v < l.min || v > l.max) {
      throw new UserError(
        `${where} must be a whole number of days from ${l.min} to ${l.max}, not ${v}`,
      );
    }
  };
  check('deleteAfterDays', s.deleteAfterDays, 'playbooks.deleteAfterDays');
  if (s.notify) check('noticeDays', s.notify.noticeDays, 'owners.notify.noticeDays');
  check(
    'overlapDays',
    s.cutover.overlapDays,
    'the cut-over overlap (playbooks.overlapDays, --overlap-days)',
  );
}

export interface PlanInput extends PlanSettings {
  credential: StoredCredential;
  identity: StoredIdentity;
  scope: Scope;
  /** Every credential the catalog holds for the identity (the target included or not). */
  siblings: StoredCredential[];
  capabilities: ActionCapabilities;
  now: Date;
  demo: boolean;
  /** The owner to tell first (attributed by prepare.ts); null/absent: no notice step. */
  notice?: PlanNotice | null;
  /** Why no notice is planned although notices are on (no owner known, owner departed…). */
  noNotice?: string | null;
}

const TYPE_LABEL: Partial<Record<CredentialType, string>> = {
  'access-key': 'access key',
  'client-secret': 'client secret',
  'service-account-key': 'service account key',
  'fine-grained-pat': 'fine-grained PAT grant',
  'classic-pat': 'classic PAT',
  'deploy-key': 'deploy key',
  'ssh-key': 'SSH key',
  'api-key': 'API key',
  'actions-secret': 'Actions secret',
};

export function credentialLabel(type: CredentialType): string {
  return TYPE_LABEL[type] ?? type;
}

export function refOf(
  credential: StoredCredential,
  identity: StoredIdentity,
  scope: Scope,
): CredentialRef {
  return {
    scope,
    identityExternalId: identity.externalId,
    identityName: identity.name,
    credentialExternalId: credential.externalId,
    type: credential.type,
    attributes: credential.attributes,
  };
}

export function lastUseOf(credential: StoredCredential): LastUse {
  const attr = (k: string): string | null => {
    const v = credential.attributes[k];
    return typeof v === 'string' && v !== '' && v !== 'N/A' ? v : null;
  };
  return {
    known: credential.lastUsedKnown,
    at: credential.lastUsedKnown ? credential.lastUsedAt : null,
    service: attr('lastUsedService'),
    region: attr('lastUsedRegion'),
  };
}

export function describeLastUse(u: LastUse): string {
  if (!u.known) return 'last use unknown (the provider gave no usage signal)';
  if (u.at === null) return 'never used';
  const where = [u.service, u.region].filter(Boolean).join(', ');
  return `last used ${u.at}${where ? ` (${where})` : ''}`;
}

function liveSiblings(input: PlanInput): StoredCredential[] {
  return input.siblings.filter(
    (c) =>
      c.removedRun === null &&
      c.externalId !== input.credential.externalId &&
      c.type === input.credential.type,
  );
}

function base(
  input: PlanInput,
  kind: PlaybookKind,
  sink: SinkSpec | null,
  steps: Omit<PlanStep, 'seq'>[],
  notes: string[],
): Plan {
  const { credential, identity, scope, notice } = input;
  const all = [...(notice ? noticeSteps(input, notice) : []), ...steps];
  if (input.noNotice) notes.push(input.noNotice);
  return {
    version: 2,
    kind,
    createdAt: input.now.toISOString(),
    provider: credential.provider,
    credentialId: credential.id,
    credentialType: credential.type,
    identityName: identity.name,
    ref: refOf(credential, identity, scope),
    sink,
    ...(kind === 'rotate' ? { cutover: input.cutover } : {}),
    snapshot: {
      status: credential.status,
      siblings: liveSiblings(input)
        .map((c) => ({ externalId: c.externalId, status: c.status }))
        .sort((a, b) => a.externalId.localeCompare(b.externalId)),
    },
    lastUse: lastUseOf(credential),
    demo: input.demo,
    notes,
    ...(notice ? { notice } : {}),
    steps: all.map((s, i) => ({ ...s, seq: i + 1 })),
  };
}

/** Tell the owner, then wait the notice period: before anything else, so a failed notice changes nothing. */
function noticeSteps(input: PlanInput, n: PlanNotice): Omit<PlanStep, 'seq'>[] {
  const who = n.owner && n.team ? `${n.owner} (${n.team})` : (n.owner ?? n.team ?? 'the owner');
  const steps: Omit<PlanStep, 'seq'>[] = [
    {
      action: 'notify',
      targetExternalId: input.credential.externalId,
      summary: `tell ${who}, the owner (${n.via}), ${n.channel === 'github-issue' ? `by opening an issue in ${n.repo}` : `through the webhook in ${n.webhookEnv}`}`,
      changes: 'nothing at the provider: one notice is sent; if it cannot be sent the run stops',
      undo: 'rollback tells the owner the run was rolled back',
      reversible: true,
      destructive: false,
      delayDays: 0,
    },
  ];
  if (n.noticeDays > 0) {
    steps.push({
      action: 'notice-period',
      targetExternalId: input.credential.externalId,
      summary: `wait ${n.noticeDays} day${n.noticeDays === 1 ? '' : 's'} after the notice before any change ('nhi playbook resume --due' continues)`,
      changes:
        'nothing; when it ends the credential is checked again and the run stops if it changed',
      undo: 'nothing to undo (rollback stops the wait)',
      reversible: true,
      destructive: false,
      delayDays: n.noticeDays,
    });
  }
  return steps;
}

function assertPresent(input: PlanInput): void {
  if (input.credential.removedRun !== null) {
    throw new UserError(
      `${input.credential.id} (${input.credential.externalId}) is gone: the last scan of its scope no longer saw it`,
    );
  }
}

/** The retirement of `externalId`: deactivate now and delete later, or delete now if it cannot be switched off. */
function retireSteps(
  input: PlanInput,
  externalId: string,
  alreadyInactive: boolean,
): Omit<PlanStep, 'seq'>[] {
  const label = credentialLabel(input.credential.type);
  const caps = input.capabilities;
  const who = `${label} ${externalId} of ${input.identity.name}`;
  if (!caps.delete && !caps.deactivate) {
    throw new UserError(
      `nhi cannot change a ${label}: the ${input.credential.provider} connector has no action for it`,
    );
  }
  if (caps.deactivate) {
    const steps: Omit<PlanStep, 'seq'>[] = [];
    if (!alreadyInactive) {
      steps.push({
        action: 'deactivate',
        targetExternalId: externalId,
        summary: `deactivate ${who}`,
        changes: `status active -> inactive: anything still using it starts failing to authenticate`,
        undo: caps.reactivate
          ? `nhi playbook rollback <run> re-activates it`
          : 'cannot be re-activated by nhi',
        reversible: caps.reactivate,
        destructive: true,
        delayDays: 0,
      });
    }
    if (caps.delete) {
      const days = input.deleteAfterDays;
      steps.push({
        action: 'delete',
        targetExternalId: externalId,
        summary:
          days > 0
            ? `delete ${who} after a ${days}-day grace period (nhi playbook resume --due)`
            : `delete ${who}`,
        changes: 'the credential is deleted for good',
        undo: 'IRREVERSIBLE: a deleted credential cannot be restored; until it runs, rollback cancels it',
        reversible: false,
        destructive: true,
        delayDays: days,
      });
    }
    return steps;
  }
  return [
    {
      action: 'delete',
      targetExternalId: externalId,
      summary: `delete ${who} (the provider cannot switch it off reversibly)`,
      changes: 'the credential is deleted for good; anything using it fails at once',
      undo: 'IRREVERSIBLE: needs explicit confirmation (--yes or an interactive yes)',
      reversible: false,
      destructive: true,
      delayDays: 0,
    },
  ];
}

export function planRevoke(input: PlanInput): Plan {
  checkPlanSettings(input);
  assertPresent(input);
  const notes = [`${input.credential.externalId}: ${describeLastUse(lastUseOf(input.credential))}`];
  const inactive = input.credential.status === 'inactive';
  if (inactive) notes.push('already inactive: only the deletion remains');
  if (!input.capabilities.deactivate) {
    notes.push(
      `a ${credentialLabel(input.credential.type)} has no reversible "deactivate": deletion is immediate`,
    );
  }
  return base(
    input,
    'revoke',
    null,
    retireSteps(input, input.credential.externalId, inactive),
    notes,
  );
}

/** The wait between delivery and retirement, unless the user asked for an immediate cut-over. */
function cutoverSteps(input: PlanInput, label: string): Omit<PlanStep, 'seq'>[] {
  const { mode, overlapDays } = input.cutover;
  if (mode === 'now' || overlapDays === 0) return [];
  const old = input.credential.externalId;
  return [
    {
      action: 'cutover',
      targetExternalId: old,
      summary: `keep ${old} active until the new ${label} is seen in use (${input.credential.provider} last-used), at most ${overlapDays} days`,
      changes: `nothing: consumers move to the new ${label} meanwhile; 'nhi playbook resume --due' checks its use`,
      undo: 'nothing to undo (rollback stops the wait)',
      reversible: true,
      destructive: false,
      delayDays: overlapDays,
    },
  ];
}

/**
 * A rotation: create, deliver, verify, cut over, retire. With `replacement` the new credential
 * is narrower than the old one (a trim replacing a write deploy key by a read-only one).
 */
export function planRotate(input: PlanInput, sink: SinkSpec, replacement?: ReplacementSpec): Plan {
  checkPlanSettings(input);
  assertPresent(input);
  const { credential, identity, capabilities: caps } = input;
  const label = credentialLabel(credential.type);
  const newLabel = replacement ? `read-only ${label}` : label;
  if (!caps.create) {
    throw new UserError(
      `a ${label} cannot be rotated by nhi (the provider offers no way to create one): use 'nhi revoke'`,
    );
  }
  if (credential.status !== 'active') {
    throw new UserError(
      `${credential.externalId} is ${credential.status}: rotating only makes sense for an active ${label}; use 'nhi revoke ${credential.id}'`,
    );
  }
  const notes = [
    `${credential.externalId}: ${describeLastUse(lastUseOf(credential))} — whatever uses it must read the new secret from ${sink.raw}`,
    input.cutover.mode === 'now' || input.cutover.overlapDays === 0
      ? `cut-over now: ${credential.externalId} is retired as soon as the new ${label} is delivered and proven`
      : `cut-over: ${credential.externalId} stays active until the new ${label} is seen in use, or for ${input.cutover.overlapDays} days at most`,
  ];
  if (replacement) notes.push(`narrowed to read-only (trim): ${replacement.why}`);
  const steps: Omit<PlanStep, 'seq'>[] = [];
  const others = liveSiblings(input);
  if (caps.maxPerIdentity !== null && others.length + 1 >= caps.maxPerIdentity) {
    const inactive = others.filter((c) => c.status === 'inactive');
    const room = others.length + 1 - caps.maxPerIdentity + 1;
    if (inactive.length < room) {
      const list = others.map((c) => `${c.externalId} ${c.status}`).join(', ');
      throw new UserError(
        `${identity.name} already has ${others.length + 1} ${label}s (the limit is ${caps.maxPerIdentity}) and the other one (${list}) is active: revoke one first ('nhi revoke <id>'), then rotate`,
      );
    }
    const victims = [...inactive]
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''))
      .slice(0, room);
    for (const v of victims) {
      notes.push(
        `${identity.name} is at the limit of ${caps.maxPerIdentity} ${label}s: the inactive ${v.externalId} is deleted first to make room`,
      );
      steps.push({
        action: 'delete-sibling',
        targetExternalId: v.externalId,
        summary: `delete the inactive ${label} ${v.externalId} of ${identity.name} to make room for the new one`,
        changes: `${v.externalId} (inactive, ${describeLastUse(lastUseOf(v))}) is deleted for good`,
        undo: 'IRREVERSIBLE: needs explicit confirmation (--yes or an interactive yes)',
        reversible: false,
        destructive: true,
        delayDays: 0,
      });
    }
  }
  steps.push(
    {
      action: 'create',
      targetExternalId: null,
      summary: `create a new ${newLabel} for ${identity.name}`,
      changes: `a new ${newLabel} exists; its id is journaled at once, its secret is held in memory only`,
      undo: 'rollback deletes the new credential',
      reversible: true,
      destructive: false,
      delayDays: 0,
    },
    {
      action: 'sink-put',
      targetExternalId: null,
      summary: `deliver the new secret to ${sink.raw}`,
      changes:
        sink.scheme === 'file' && sink.overwrite
          ? `the file ${sink.target} is replaced (mode 0600)`
          : `${sink.raw} receives a new value/version`,
      undo: 'rollback deletes the new credential; the sink keeps a value that no longer works (restore your previous value there)',
      reversible: true,
      destructive: false,
      delayDays: 0,
    },
    {
      action: 'sink-verify',
      targetExternalId: null,
      summary: `verify ${sink.raw} holds this delivery and the new ${label} authenticates`,
      changes:
        'nothing (reads the sink, signs in once with the new credential where the provider allows)',
      undo: 'nothing to undo',
      reversible: true,
      destructive: false,
      delayDays: 0,
    },
    ...cutoverSteps(input, label),
    ...retireSteps(input, credential.externalId, false),
  );
  const plan = base(input, 'rotate', sink, steps, notes);
  return replacement ? { ...plan, replacement } : plan;
}

/** Parses `--sink <scheme>:<target>`; `stdout` alone is accepted. */
export function parseSinkSpec(raw: string, overwrite = false): SinkSpec {
  if (raw === 'stdout') return { raw, scheme: 'stdout', target: '', overwrite: false };
  const i = raw.indexOf(':');
  if (i <= 0 || i === raw.length - 1) {
    throw new UserError(
      `--sink '${raw}' is not <scheme>:<target> (e.g. aws-secrets-manager:prod/ci-bot, github-actions:owner/repo:NAME, file:./key.env, stdout)`,
    );
  }
  return { raw, scheme: raw.slice(0, i).toLowerCase(), target: raw.slice(i + 1), overwrite };
}
