/**
 * How each finding is fixed, as data on its rule: a playbook nhi can run where the playbook
 * accepts the subject, and precise manual steps everywhere else (root keys, trust policies,
 * grants, secrets in CI…). The engine resolves one fix per finding; help, `show`, reports and
 * SARIF print it. A test checks every playbook reference against the connectors' real
 * capabilities, so no finding ever points at a command that refuses it.
 */
import type {
  CredentialType,
  FindingFix,
  IdentityKind,
  ProviderId,
  StoredCredential,
  StoredIdentity,
  PlaybookKind,
} from '../model/index.js';
import { PROVIDER_LIST } from '../model/index.js';

export type PlaybookId = PlaybookKind;

export interface ManualFix {
  /** Console path or command per step; `{name}`, `{identity}`, `{credential}`, `{scope}` and `{id}` are filled in. */
  steps: readonly string[];
  /** Where the provider documents it. */
  docs: readonly string[];
}

export interface RuleFix {
  /** The playbook that fixes a credential finding wherever the playbook accepts the credential. */
  playbook?: PlaybookId;
  /** Providers where running the playbook really clears the finding (default: wherever it runs). */
  playbookProviders?: readonly ProviderId[];
  /** What to do before running the playbook. */
  before?: readonly string[];
  /**
   * Providers where `nhi trim <identity>` resolves the finding (it removes unused privilege):
   * the finding's fix is that command wherever the identity is one trim acts on.
   */
  trim?: readonly ProviderId[];
  /**
   * Trim replaces the finding's credential (a write deploy key by a read-only one): what it
   * needs besides the identity (a sink), and only findings on a credential name it.
   */
  trimReplaces?: { args: string };
  /** Steps where nhi cannot act: the default… */
  manual: ManualFix;
  /** …and per provider where they differ. */
  providers?: Partial<Record<ProviderId, ManualFix>>;
}

/**
 * What each playbook can act on, per provider: the credential types whose connector can delete
 * or deactivate them (revoke) and create a replacement (rotate). Mirrors the connectors'
 * `capabilities()`, which `test/fixes.test.ts` compares against this table.
 */
export const PLAYBOOK_SUBJECTS: Readonly<
  Record<PlaybookId, Readonly<Partial<Record<ProviderId, readonly CredentialType[]>>>>
> = {
  revoke: {
    anthropic: ['api-key'],
    aws: ['access-key'],
    azure: ['client-secret'],
    gcp: ['service-account-key'],
    github: ['deploy-key', 'fine-grained-pat', 'classic-pat', 'ssh-key', 'oauth-token'],
    openai: ['api-key'],
  },
  rotate: {
    aws: ['access-key'],
    azure: ['client-secret'],
    gcp: ['service-account-key'],
    github: ['deploy-key'],
    openai: ['api-key'],
  },
  // Trim acts on identities (their policies), never on a credential: no credential finding
  // resolves to it. `nhi remediate --rule unused-grant|admin-grant` runs it per identity.
  trim: {},
};

export const PLAYBOOK_IDS = Object.keys(PLAYBOOK_SUBJECTS) as PlaybookId[];

/**
 * The identities `nhi trim` acts on, per provider: mirrors which connectors expose
 * `ConnectorActions.trim` (test/findings.test.ts compares them).
 */
export const TRIM_SUBJECTS: Readonly<Partial<Record<ProviderId, readonly IdentityKind[]>>> = {
  aws: ['user', 'role'],
  gcp: ['service-account'],
  azure: ['application', 'service-principal', 'managed-identity'],
  // Manual steps (App installations, fine-grained PATs), except write deploy keys, which a
  // trim with --sink replaces by read-only ones.
  github: ['repository', 'github-app', 'github-user'],
};

/** Providers whose trim plans are manual steps, but for write deploy keys (replaced with --sink). */
export const MANUAL_TRIM: readonly ProviderId[] = ['github'];

/** Whether `nhi trim` can act on this identity (the connector's own refusals mirrored). */
export function trimAccepts(identity: StoredIdentity): boolean {
  if (identity.removedRun !== null) return false;
  if (!(TRIM_SUBJECTS[identity.provider] ?? []).includes(identity.kind)) return false;
  // AWS manages service-linked roles' policies (the connector's `untouchable`).
  const path = identity.attributes.path;
  return !(
    identity.attributes.serviceLinked === true ||
    (typeof path === 'string' && path.startsWith('/aws-service-role/'))
  );
}

/** Provider limits on live credentials of one type per identity (the connectors' `maxPerIdentity`). */
export const PER_IDENTITY_LIMIT: Readonly<
  Partial<Record<ProviderId, Partial<Record<CredentialType, number>>>>
> = {
  aws: { 'access-key': 2 },
  gcp: { 'service-account-key': 10 },
};

/**
 * Whether rotation has room for the new credential: at the provider's limit, the planner
 * deletes inactive siblings first, and refuses when the others are all active.
 */
function roomToRotate(
  credential: StoredCredential,
  siblings: readonly StoredCredential[],
): boolean {
  const max = PER_IDENTITY_LIMIT[credential.provider]?.[credential.type];
  if (max === undefined) return true;
  const others = siblings.filter(
    (c) =>
      c.removedRun === null && c.type === credential.type && c.externalId !== credential.externalId,
  );
  if (others.length + 1 < max) return true;
  return others.filter((c) => c.status === 'inactive').length >= others.length + 2 - max;
}

/** No provider lets a delegated identity manage the account root's own credentials. */
export const ROOT_CREDENTIAL_STEPS: ManualFix = {
  steps: [
    'Sign in to the AWS console as the root user of account {scope} (nhi cannot act on root credentials)',
    'Account menu > Security credentials > Access keys: Deactivate the key {credential}, wait for anything that breaks, then Delete it',
    'Give the automation an IAM role (or an IAM user with least privilege) instead, and keep root for the few tasks that need it',
  ],
  docs: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html'],
};

/**
 * Credentials whose type a playbook accepts but whose connector refuses the step the playbook
 * needs (it says why at apply time): the finding names manual steps instead.
 */
const PLAYBOOK_REFUSES: Readonly<
  Partial<
    Record<
      PlaybookId,
      Partial<Record<ProviderId, { refuses: (c: StoredCredential) => boolean; words: string }>>
    >
  >
> = {
  // The OpenAI Admin API cannot create a person's project key (admin and service-account keys it can).
  rotate: {
    openai: {
      refuses: (c) => c.attributes.keyKind === 'user',
      words: "not a person's project key",
    },
  },
};

export function playbookAccepts(
  playbook: PlaybookId,
  identity: StoredIdentity,
  credential: StoredCredential,
): boolean {
  if (identity.kind === 'root' || credential.removedRun !== null) return false;
  if (!(PLAYBOOK_SUBJECTS[playbook][credential.provider] ?? []).includes(credential.type))
    return false;
  if (PLAYBOOK_REFUSES[playbook]?.[credential.provider]?.refuses(credential)) return false;
  // The planner rotates active credentials only; an inactive one is revoked instead.
  return playbook !== 'rotate' || credential.status === 'active';
}

/** Ids and names from providers are hostile: only plain ones go into a suggested command. */
const SAFE = /^[A-Za-z0-9_.@+=,:/-]{1,300}$/;

export interface FixValues {
  name?: string;
  identity?: string;
  credential?: string | null;
  scope?: string;
  id?: string;
}

/** Fills `{name}`, `{identity}`, `{credential}`, `{scope}`, `{id}`; anything unsafe stays `<key>`. */
export function fillFix(text: string, values: FixValues): string {
  return text.replace(
    /\{(name|identity|credential|scope|id)\}/g,
    (_whole, key: keyof FixValues) => {
      const v = values[key];
      return typeof v === 'string' && SAFE.test(v) ? v : `<${key}>`;
    },
  );
}

export function commandFor(playbook: PlaybookId, credentialId: string): string {
  return playbook === 'rotate'
    ? `nhi rotate ${credentialId} --sink <scheme>:<target>`
    : `nhi revoke ${credentialId}`;
}

/** A rotation that would exceed the provider's limit: the planner refuses until one key goes. */
export const ROTATE_AT_LIMIT: ManualFix = {
  steps: [
    '{name} already holds as many keys of this type as the provider allows, all active: retire one first — the multiple-active-keys finding names the older (`nhi revoke <its id>`)',
    'then rotate this one: `nhi rotate {id} --sink <scheme>:<target>`',
  ],
  docs: [],
};

/** The manual steps a `manual` reference names (see `FindingFix`). */
export function manualFixOf(fix: RuleFix, ref: string, ruleId: string): ManualFix | undefined {
  if (ref === 'root-credential') return ROOT_CREDENTIAL_STEPS;
  if (ref === 'rotate-at-limit') return ROTATE_AT_LIMIT;
  const [kind, id, provider] = ref.split(':');
  if (kind !== 'rule' || id !== ruleId) return undefined;
  return provider ? fix.providers?.[provider as ProviderId] : fix.manual;
}

/**
 * The one fix for a finding on this identity (and credential, when it is about one);
 * `siblings` are the identity's credentials, which decide whether rotation has room.
 */
export function resolveFix(
  ruleId: string,
  fix: RuleFix,
  identity: StoredIdentity,
  credential: StoredCredential | undefined,
  siblings: readonly StoredCredential[] = [],
): FindingFix {
  // Unused privilege is the identity's: trim narrows its policies, whichever subject it is on.
  if (
    fix.trim?.includes(identity.provider) &&
    trimAccepts(identity) &&
    (!fix.trimReplaces || credential)
  )
    return {
      playbook: 'trim',
      command: `nhi trim ${identity.id}${fix.trimReplaces ? ` ${fix.trimReplaces.args}` : ''}`,
    };
  if (
    fix.playbook &&
    credential &&
    (!fix.playbookProviders || fix.playbookProviders.includes(identity.provider)) &&
    playbookAccepts(fix.playbook, identity, credential)
  ) {
    if (fix.playbook === 'rotate' && !roomToRotate(credential, siblings))
      return { manual: 'rotate-at-limit' };
    return { playbook: fix.playbook, command: commandFor(fix.playbook, credential.id) };
  }
  // A credential playbook that stops at the root account: the root user acts instead.
  if (fix.playbook && credential && identity.kind === 'root') return { manual: 'root-credential' };
  return {
    manual: fix.providers?.[identity.provider]
      ? `rule:${ruleId}:${identity.provider}`
      : `rule:${ruleId}`,
  };
}

const TYPE_WORDS: Partial<Record<CredentialType, string>> = {
  'access-key': 'access keys',
  'client-secret': 'client secrets',
  'service-account-key': 'service-account keys',
  'deploy-key': 'deploy keys',
  'fine-grained-pat': 'fine-grained PATs',
  'classic-pat': 'classic PATs',
  'ssh-key': 'SSH keys',
  'oauth-token': 'OAuth tokens',
  'api-key': 'API keys',
};

const PROVIDER_WORDS: Readonly<Record<string, string>> = Object.fromEntries(
  PROVIDER_LIST.map((p) => [p.id, p.id === 'gcp' ? 'GCP' : p.title]),
);

/** Where a rule's playbook runs, in words: "AWS access keys, Azure client secrets, …". */
export function playbookReach(fix: RuleFix): string {
  if (!fix.playbook) return '';
  const parts: string[] = [];
  for (const [p, types] of Object.entries(PLAYBOOK_SUBJECTS[fix.playbook]) as [
    ProviderId,
    CredentialType[],
  ][]) {
    if (fix.playbookProviders && !fix.playbookProviders.includes(p)) continue;
    const not = PLAYBOOK_REFUSES[fix.playbook]?.[p];
    parts.push(
      `${PROVIDER_WORDS[p]} ${types.map((t) => TYPE_WORDS[t] ?? t).join(', ')}${not ? ` (${not.words})` : ''}`,
    );
  }
  return parts.join('; ');
}

/** The rule's fix as plain text, for help, `nhi init` and SARIF: playbook reach, then manual steps. */
export function fixText(fix: RuleFix): string {
  const lines: string[] = [];
  const trimmed = (fix.trim ?? []).filter((p) => TRIM_SUBJECTS[p]);
  if (trimmed.length) {
    const plural = (k: string) =>
      (k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`).replace(/^github-/, 'GitHub ');
    const reach = trimmed.map(
      (p) =>
        `${PROVIDER_WORDS[p]} ${(TRIM_SUBJECTS[p] ?? []).map(plural).join(' and ')}${MANUAL_TRIM.includes(p) ? ' (manual steps, except write deploy keys: --sink replaces them with read-only ones)' : ''}`,
    );
    lines.push(
      `Fix with: nhi trim <identity id>${fix.trimReplaces ? ` ${fix.trimReplaces.args}` : ''} (plan, then --apply) for ${reach.join('; ')}${fix.trim?.includes('aws') ? ', except service-linked roles' : ''}.`,
    );
    if (!fix.playbook) lines.push('Elsewhere:');
  }
  if (fix.playbook) {
    lines.push(
      `Fix with: ${commandFor(fix.playbook, '<credential id>')} (plan, then --apply) for ${playbookReach(fix)}, except root credentials.`,
    );
    if (fix.before) lines.push(...fix.before.map((s, i) => `  first ${i + 1}. ${s}`));
    lines.push('Elsewhere:');
  }
  const manual = (label: string, m: ManualFix) => {
    lines.push(label);
    m.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    for (const d of m.docs) lines.push(`  see ${d}`);
  };
  manual(fix.providers ? 'Manual steps (default):' : 'Manual steps:', fix.manual);
  for (const [p, m] of Object.entries(fix.providers ?? {}) as [ProviderId, ManualFix][])
    manual(`Manual steps (${PROVIDER_WORDS[p]}):`, m);
  return lines.join('\n');
}
