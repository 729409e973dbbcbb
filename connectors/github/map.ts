/**
 * GitHub REST payloads -> nhi records. Pure: no I/O, no clock except the `now` passed in.
 * Each payload is parsed with a zod schema first, so a garbage answer fails with a message
 * naming the endpoint, the item and the field instead of crashing deep inside.
 * Values of secrets never reach this module: GitHub's APIs return only names and dates.
 */
import { z } from 'zod';
import type { Credential, Grant, Identity, Privilege } from '../../src/model/index.js';

/* ----- parsing at the edge ----- */

export class GitHubPayloadError extends Error {
  override name = 'GitHubPayloadError';
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const level = z.string();

export const OrgSchema = z.object({
  login: z.string(),
  id: z.number(),
  name: z.string().nullish(),
});
export const RepoSchema = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
  archived: z.boolean().optional(),
  visibility: z.string().optional(),
  created_at: isoDate.nullish(),
});
export const PatGrantSchema = z.object({
  id: z.number(),
  owner: z.object({ login: z.string(), id: z.number() }),
  repository_selection: z.enum(['none', 'all', 'subset']),
  permissions: z.object({
    organization: z.record(z.string(), level).optional(),
    repository: z.record(z.string(), level).optional(),
    other: z.record(z.string(), level).optional(),
  }),
  access_granted_at: isoDate,
  token_id: z.number(),
  token_name: z.string(),
  token_expired: z.boolean(),
  token_expires_at: isoDate.nullable(),
  token_last_used_at: isoDate.nullable(),
});
export const CredentialAuthorizationSchema = z.object({
  login: z.string(),
  credential_id: z.number(),
  credential_type: z.string(),
  credential_authorized_at: isoDate,
  credential_accessed_at: isoDate.nullable(),
  authorized_credential_id: z.number().nullable(),
  authorized_credential_title: z.string().nullish(),
  authorized_credential_note: z.string().nullish(),
  authorized_credential_expires_at: isoDate.nullish(),
  fingerprint: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});
export const DeployKeySchema = z.object({
  id: z.number(),
  title: z.string(),
  read_only: z.boolean(),
  created_at: isoDate,
  verified: z.boolean().optional(),
  added_by: z.string().nullish(),
  last_used: isoDate.nullish(),
  enabled: z.boolean().optional(),
});
export const InstallationSchema = z.object({
  id: z.number(),
  app_id: z.number(),
  app_slug: z.string(),
  repository_selection: z.enum(['all', 'selected']),
  permissions: z.record(z.string(), z.string()),
  events: z.array(z.string()),
  created_at: isoDate,
  updated_at: isoDate,
  suspended_at: isoDate.nullable(),
  suspended_by: z.object({ login: z.string() }).nullish(),
});
/**
 * GET /apps/{app_slug} (OpenAPI `integration`): only who owns the App matters here. The owner
 * is a user or organization (`login`) or, for enterprise-owned Apps, an enterprise (`slug`).
 */
export const AppSchema = z.object({
  id: z.number(),
  slug: z.string().optional(),
  name: z.string(),
  owner: z.union([
    z.object({ login: z.string(), type: z.string().optional() }),
    z.object({ slug: z.string(), name: z.string().optional() }),
  ]),
});
export const SecretSchema = z.object({
  name: z.string(),
  created_at: isoDate,
  updated_at: isoDate,
  visibility: z.enum(['all', 'private', 'selected']).optional(),
});
export const EnvironmentSchema = z.object({
  id: z.number(),
  name: z.string(),
  created_at: isoDate.optional(),
});
export const HookSchema = z.object({
  id: z.number(),
  name: z.string().optional(),
  active: z.boolean(),
  events: z.array(z.string()),
  config: z.object({ url: z.string().optional(), secret: z.string().optional() }).loose(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const PublicKeySchema = z.object({ key_id: z.string(), key: z.string() });

export type RepoPayload = z.infer<typeof RepoSchema>;
export type PatGrantPayload = z.infer<typeof PatGrantSchema>;
export type CredentialAuthorizationPayload = z.infer<typeof CredentialAuthorizationSchema>;
export type DeployKeyPayload = z.infer<typeof DeployKeySchema>;
export type InstallationPayload = z.infer<typeof InstallationSchema>;
export type AppPayload = z.infer<typeof AppSchema>;
export type SecretPayload = z.infer<typeof SecretSchema>;
export type HookPayload = z.infer<typeof HookSchema>;

/** Parses one payload; `where` names the endpoint for the error message. */
export function parseOne<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success)
    throw new GitHubPayloadError(`unexpected payload from ${where}: ${describeIssue(r.error)}`);
  return r.data;
}

/** Parses a list; the error names the item's position and the field. */
export function parseList<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: string,
): z.infer<S>[] {
  if (!Array.isArray(data))
    throw new GitHubPayloadError(`unexpected payload from ${where}: expected a list`);
  return data.map((item, i) => {
    const r = schema.safeParse(item);
    if (!r.success)
      throw new GitHubPayloadError(
        `unexpected payload from ${where}: item ${i}: ${describeIssue(r.error)}`,
      );
    return r.data;
  });
}

function describeIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

const iso = (s: string | null | undefined): string | null => (s ? new Date(s).toISOString() : null);

/* ----- privilege ----- */

/**
 * Permissions whose *write* level lets the holder take over repositories, secrets or the
 * organization itself (change settings, members, webhooks, workflows, secrets): admin.
 */
const ADMIN_WHEN_WRITE = new Set([
  'administration',
  'organization_administration',
  'members',
  'organization_personal_access_tokens',
  'organization_personal_access_token_requests',
  'organization_custom_roles',
  'organization_custom_org_roles',
  'organization_secrets',
  'secrets',
  'dependabot_secrets',
  'organization_hooks',
  'repository_hooks',
  'workflows',
  'environments',
  'organization_self_hosted_runners',
]);

/** A fine-grained / App permission level -> privilege. */
export function privilegeForPermission(permission: string, lvl: string): Privilege {
  if (lvl === 'admin') return 'admin';
  if (lvl === 'write') return ADMIN_WHEN_WRITE.has(permission) ? 'admin' : 'write';
  if (lvl === 'read') return 'read';
  return 'unknown';
}

/** A classic OAuth / PAT scope -> privilege (https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps). */
export function privilegeForScope(scope: string): Privilege {
  if (
    scope.startsWith('admin:') ||
    scope === 'delete_repo' ||
    scope === 'site_admin' ||
    scope === 'admin:enterprise'
  )
    return 'admin';
  if (scope.startsWith('read:')) return 'read';
  if (
    [
      'repo',
      'public_repo',
      'repo:status',
      'repo_deployment',
      'repo:invite',
      'security_events',
      'workflow',
      'user',
      'gist',
      'notifications',
      'codespace',
      'project',
      'audit_log',
      'copilot',
    ].includes(scope) ||
    scope.startsWith('write:') ||
    scope.startsWith('delete:') ||
    scope.startsWith('user:')
  ) {
    return 'write';
  }
  return 'unknown';
}

/* ----- static cloud keys stored as CI secrets ----- */

export type CloudProvider = 'aws' | 'azure' | 'gcp';

const CLOUD_KEY_PATTERNS: [CloudProvider, RegExp][] = [
  ['aws', /(^|_)AWS_(SECRET_ACCESS_KEY|ACCESS_KEY_ID|ACCESS_KEY|SECRET_KEY|SECRET)($|_)/],
  [
    'azure',
    /(^|_)(AZURE_CLIENT_SECRET|AZURE_CREDENTIALS|ARM_CLIENT_SECRET|AZURE_SP_(SECRET|PASSWORD|CREDENTIALS))($|_)/,
  ],
  [
    'gcp',
    /(^|_)(GOOGLE_CREDENTIALS|GOOGLE_APPLICATION_CREDENTIALS|GCP_SA_KEY|GCP_CREDENTIALS|GCLOUD_SERVICE_KEY|GCP_SERVICE_ACCOUNT|SERVICE_ACCOUNT_KEY|SA_KEY_JSON)($|_)/,
  ],
];

const OIDC_RECOMMENDATION: Record<CloudProvider, string> = {
  aws: 'Replace the static AWS access key with GitHub Actions OIDC federation: an IAM role trusting token.actions.githubusercontent.com (aws-actions/configure-aws-credentials with role-to-assume), then delete the key.',
  azure:
    'Replace the Azure client secret with GitHub Actions OIDC federation: a federated identity credential on the app registration (azure/login with client-id/tenant-id/subscription-id), then delete the secret.',
  gcp: 'Replace the service-account key with GitHub Actions OIDC federation: Workload Identity Federation (google-github-actions/auth with workload_identity_provider), then delete the key.',
};

/** Which cloud's static key a secret's name says it holds, if any. */
export function cloudKeyOf(secretName: string): CloudProvider | null {
  const name = secretName.toUpperCase();
  for (const [provider, re] of CLOUD_KEY_PATTERNS) if (re.test(name)) return provider;
  return null;
}

/* ----- identities ----- */

export const ids = {
  org: (login: string) => `org:${login}`,
  repo: (fullName: string) => `repo:${fullName}`,
  env: (fullName: string, env: string) => `env:${fullName}/${env}`,
  user: (login: string) => `user:${login}`,
  app: (slug: string) => `app:${slug}`,
};

function identity(
  externalId: string,
  name: string,
  kind: Identity['kind'],
  extra: Partial<Identity> = {},
): Identity {
  return {
    externalId,
    name,
    kind,
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
    ...extra,
  };
}

export function orgIdentity(login: string, name: string): Identity {
  return identity(ids.org(login), name, 'organization', { attributes: { login } });
}

export function repoIdentity(r: RepoPayload): Identity {
  return identity(ids.repo(r.full_name), r.full_name, 'repository', {
    createdAt: iso(r.created_at),
    attributes: {
      private: r.private,
      archived: r.archived ?? false,
      visibility: r.visibility ?? (r.private ? 'private' : 'public'),
    },
  });
}

export function environmentIdentity(
  repoFullName: string,
  env: { name: string; created_at?: string | undefined },
): Identity {
  return identity(ids.env(repoFullName, env.name), `${repoFullName}/${env.name}`, 'environment', {
    createdAt: iso(env.created_at),
    attributes: { repository: repoFullName, environment: env.name },
  });
}

export function userIdentity(login: string): Identity {
  // A user owns their own tokens and keys.
  return identity(ids.user(login), login, 'github-user', { owner: login, attributes: { login } });
}

/* ----- what one org yields ----- */

export interface Mapped {
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
}

function expiredBy(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now.getTime();
}

function repoResource(org: string, selection: string): string | null {
  if (selection === 'all') return `${org}/*`;
  if (selection === 'subset' || selection === 'selected') return `${org}/(selected repositories)`;
  return null;
}

/** Fine-grained PAT grants: the token, its owner, one grant per permission. */
export function mapPatGrants(org: string, items: PatGrantPayload[], now: Date): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  for (const g of items) {
    const owner = userIdentity(g.owner.login);
    out.identities.push(owner);
    const expiresAt = iso(g.token_expires_at);
    const credId = `fine-grained-pat:${g.id}`;
    const lastUsedAt = iso(g.token_last_used_at);
    out.credentials.push({
      externalId: credId,
      identityExternalId: owner.externalId,
      type: 'fine-grained-pat',
      name: g.token_name,
      status: g.token_expired || expiredBy(expiresAt, now) ? 'expired' : 'active',
      createdAt: iso(g.access_granted_at),
      expiresAt,
      lastUsedAt,
      lastUsedKnown: true,
      attributes: {
        patGrantId: g.id,
        tokenId: g.token_id,
        owner: g.owner.login,
        repositorySelection: g.repository_selection,
        accessGrantedAt: iso(g.access_granted_at),
        noExpiry: g.token_expires_at === null,
      },
    });
    const perms: [string, string, string | null][] = [];
    for (const [p, l] of Object.entries(g.permissions.organization ?? {}))
      perms.push([`organization:${p}`, l, `org:${org}`]);
    for (const [p, l] of Object.entries(g.permissions.repository ?? {}))
      perms.push([`repository:${p}`, l, repoResource(org, g.repository_selection)]);
    for (const [p, l] of Object.entries(g.permissions.other ?? {}))
      perms.push([`other:${p}`, l, `org:${org}`]);
    for (const [permission, lvl, resource] of perms) {
      if (resource === null) continue;
      out.grants.push({
        externalId: `${credId}|${permission}`,
        identityExternalId: owner.externalId,
        credentialExternalId: credId,
        permission,
        resource,
        privilege: privilegeForPermission(permission.split(':')[1]!, lvl),
        source: `fine-grained PAT "${g.token_name}"`,
        grantedAt: iso(g.access_granted_at),
        lastUsedAt,
        lastUsedKnown: true,
        attributes: { level: lvl },
      });
    }
  }
  return out;
}

const CRED_AUTH_TYPES: Record<string, Credential['type']> = {
  'personal access token': 'classic-pat',
  'SSH key': 'ssh-key',
  'OAuth app token': 'oauth-token',
  'GitHub app token': 'oauth-token',
};

/** SAML SSO credential authorizations: classic PATs, SSH keys and OAuth tokens with org access. */
export function mapCredentialAuthorizations(
  org: string,
  items: CredentialAuthorizationPayload[],
  now: Date,
): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  for (const c of items) {
    const owner = userIdentity(c.login);
    out.identities.push(owner);
    const type = CRED_AUTH_TYPES[c.credential_type] ?? 'oauth-token';
    const credId = `credential-authorization:${c.credential_id}`;
    const expiresAt = iso(c.authorized_credential_expires_at);
    const lastUsedAt = iso(c.credential_accessed_at);
    const scopes = c.scopes ?? [];
    out.credentials.push({
      externalId: credId,
      identityExternalId: owner.externalId,
      type,
      name: c.authorized_credential_title ?? c.authorized_credential_note ?? null,
      status: expiredBy(expiresAt, now) ? 'expired' : 'active',
      createdAt: iso(c.credential_authorized_at),
      expiresAt,
      lastUsedAt,
      lastUsedKnown: true,
      attributes: {
        credentialId: c.credential_id,
        authorizedCredentialId: c.authorized_credential_id,
        credentialType: c.credential_type,
        owner: c.login,
        authorizedAt: iso(c.credential_authorized_at),
        ...(type !== 'ssh-key' ? { scopes, noExpiry: expiresAt === null } : {}),
        ...(c.fingerprint ? { fingerprint: c.fingerprint } : {}),
      },
    });
    for (const scope of scopes) {
      out.grants.push({
        externalId: `${credId}|scope:${scope}`,
        identityExternalId: owner.externalId,
        credentialExternalId: credId,
        permission: `scope:${scope}`,
        resource: `org:${org}`,
        privilege: privilegeForScope(scope),
        source: `${c.credential_type} scopes`,
        grantedAt: iso(c.credential_authorized_at),
        lastUsedAt,
        lastUsedKnown: true,
        attributes: {},
      });
    }
  }
  return out;
}

/** Deploy keys of one repository: read-only or write SSH access to that repository. */
export function mapDeployKeys(repoFullName: string, items: DeployKeyPayload[]): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  const holder = ids.repo(repoFullName);
  for (const k of items) {
    const credId = `deploy-key:${repoFullName}:${k.id}`;
    // Older GHES omit last_used: then "never used" cannot be told from "not reported".
    const lastUsedKnown = 'last_used' in k;
    const lastUsedAt = iso(k.last_used);
    out.credentials.push({
      externalId: credId,
      identityExternalId: holder,
      type: 'deploy-key',
      name: k.title,
      status: k.enabled === false ? 'inactive' : 'active',
      createdAt: iso(k.created_at),
      expiresAt: null,
      lastUsedAt: lastUsedKnown ? lastUsedAt : null,
      lastUsedKnown,
      attributes: {
        keyId: k.id,
        repository: repoFullName,
        readOnly: k.read_only,
        owner: k.added_by ?? null,
        addedBy: k.added_by ?? null,
      },
    });
    const access = k.read_only ? 'read' : 'write';
    out.grants.push({
      externalId: `${credId}|contents`,
      identityExternalId: holder,
      credentialExternalId: credId,
      permission: `contents:${access}`,
      resource: repoFullName,
      privilege: access,
      source: 'deploy key',
      grantedAt: iso(k.created_at),
      lastUsedAt: lastUsedKnown ? lastUsedAt : null,
      lastUsedKnown,
      attributes: {},
    });
  }
  return out;
}

const ORG_LEVEL_PERMISSION =
  /^(organization_|members$|custom_properties_for_organizations$|enterprise_)/;

/** Who owns a GitHub App, from GET /apps/{app_slug}. */
export interface AppOwner {
  login: string;
  /** `Organization`, `User` or `Enterprise`. */
  type: string;
  /** The App's display name. */
  appName: string;
}

export function appOwnerOf(app: AppPayload): AppOwner {
  const o = app.owner;
  return 'login' in o
    ? { login: o.login, type: o.type ?? 'User', appName: app.name }
    : { login: o.slug, type: 'Enterprise', appName: app.name };
}

/**
 * An App is third-party when someone other than the organizations being scanned owns it.
 * Enterprise-owned Apps install only on organizations of their own enterprise (GitHub docs,
 * "Installing your own GitHub App"), so they are first-party too. Logins compare
 * case-insensitively, as GitHub does.
 */
export function isThirdPartyOwner(owner: AppOwner, ownAccounts: readonly string[]): boolean {
  if (owner.type === 'Enterprise') return false;
  const login = owner.login.toLowerCase();
  return !ownAccounts.some((a) => a.toLowerCase() === login);
}

/**
 * GitHub App installations: the app, its installation and one grant per permission.
 * `owners` holds what GET /apps/{app_slug} said, per slug; an App missing from it (private to
 * another account, or not looked up) gets no owner and no third-party verdict rather than a
 * guess. `ownAccounts` are the organizations scanned together with `org`.
 */
export function mapInstallations(
  org: string,
  items: InstallationPayload[],
  owners: ReadonlyMap<string, AppOwner> = new Map(),
  ownAccounts: readonly string[] = [org],
): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  const accounts = [org, ...ownAccounts];
  for (const i of items) {
    const owner = owners.get(i.app_slug);
    const app = identity(ids.app(i.app_slug), i.app_slug, 'github-app', {
      createdAt: iso(i.created_at),
      attributes: {
        appId: i.app_id,
        appSlug: i.app_slug,
        // What this installation may do in `org` (the same as its grants), as a {name: level} map.
        permissions: { ...i.permissions },
        ...(owner
          ? {
              appName: owner.appName,
              appOwner: owner.login,
              appOwnerType: owner.type,
              thirdParty: isThirdPartyOwner(owner, accounts),
            }
          : {}),
      },
    });
    out.identities.push(app);
    const credId = `app-installation:${i.id}`;
    out.credentials.push({
      externalId: credId,
      identityExternalId: app.externalId,
      type: 'app-installation',
      name: i.app_slug,
      status: i.suspended_at ? 'inactive' : 'active',
      createdAt: iso(i.created_at),
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        installationId: i.id,
        appId: i.app_id,
        repositorySelection: i.repository_selection,
        events: i.events,
        updatedAt: iso(i.updated_at),
        suspendedAt: iso(i.suspended_at),
        suspendedBy: i.suspended_by?.login ?? null,
      },
    });
    for (const [permission, lvl] of Object.entries(i.permissions)) {
      out.grants.push({
        externalId: `${credId}|${permission}`,
        identityExternalId: app.externalId,
        credentialExternalId: credId,
        permission,
        resource: ORG_LEVEL_PERMISSION.test(permission)
          ? `org:${org}`
          : (repoResource(org, i.repository_selection) ?? `org:${org}`),
        privilege: privilegeForPermission(permission, lvl),
        source: `GitHub App ${i.app_slug}`,
        grantedAt: iso(i.created_at),
        lastUsedAt: null,
        lastUsedKnown: false,
        attributes: { level: lvl },
      });
    }
  }
  return out;
}

/** Where a secret lives, in the `github-actions` sink's target syntax. */
export type SecretHolder =
  | { level: 'organization'; org: string }
  | { level: 'repository'; repo: string }
  | { level: 'environment'; repo: string; environment: string };

export function secretTarget(holder: SecretHolder, name: string): string {
  if (holder.level === 'organization') return `org:${holder.org}:${name}`;
  if (holder.level === 'repository') return `${holder.repo}:${name}`;
  return `${holder.repo}/env/${holder.environment}:${name}`;
}

function holderId(holder: SecretHolder): string {
  if (holder.level === 'organization') return ids.org(holder.org);
  if (holder.level === 'repository') return ids.repo(holder.repo);
  return ids.env(holder.repo, holder.environment);
}

/**
 * Actions / Dependabot secrets: names and dates only. `updated_at` is the last time the
 * value was set, i.e. the rotation signal; `created_at` is when the secret appeared.
 */
export function mapSecrets(
  kind: 'actions-secret' | 'dependabot-secret',
  holder: SecretHolder,
  items: SecretPayload[],
): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  for (const s of items) {
    const target = secretTarget(holder, s.name);
    const cloud = cloudKeyOf(s.name);
    out.credentials.push({
      externalId: `${kind}:${target}`,
      identityExternalId: holderId(holder),
      type: kind,
      name: s.name,
      status: 'active',
      createdAt: iso(s.created_at),
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        level: holder.level,
        lastRotatedAt: iso(s.updated_at),
        ...(kind === 'actions-secret' ? { sinkTarget: target } : {}),
        ...(s.visibility ? { visibility: s.visibility } : {}),
        ...(cloud ? { storesCloudKey: cloud, recommendation: OIDC_RECOMMENDATION[cloud] } : {}),
      },
    });
  }
  return out;
}

/** Webhooks with a secret configured (GitHub shows it as "********"); others hold no credential. */
export function mapHooks(
  holder: { level: 'organization'; org: string } | { level: 'repository'; repo: string },
  items: HookPayload[],
): Mapped {
  const out: Mapped = { identities: [], credentials: [], grants: [] };
  const where = holder.level === 'organization' ? `org:${holder.org}` : holder.repo;
  for (const h of items) {
    if (!h.config.secret) continue;
    // Only the host: a webhook URL's path or query may itself embed a token.
    const targetHost = hostOf(h.config.url);
    out.credentials.push({
      externalId: `webhook-secret:${where}:${h.id}`,
      identityExternalId:
        holder.level === 'organization' ? ids.org(holder.org) : ids.repo(holder.repo),
      type: 'webhook-secret',
      name: targetHost ? `webhook ${h.id} -> ${targetHost}` : `webhook ${h.id}`,
      status: h.active ? 'active' : 'inactive',
      createdAt: iso(h.created_at),
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        hookId: h.id,
        level: holder.level,
        targetHost,
        events: h.events,
        updatedAt: iso(h.updated_at),
      },
    });
  }
  return out;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** Merges mapped pieces, keeping one identity per external id (first seen wins). */
export function merge(parts: Mapped[]): Mapped {
  const identities = new Map<string, Identity>();
  const credentials: Credential[] = [];
  const grants: Grant[] = [];
  for (const p of parts) {
    for (const i of p.identities)
      if (!identities.has(i.externalId)) identities.set(i.externalId, i);
    credentials.push(...p.credentials);
    grants.push(...p.grants);
  }
  return { identities: [...identities.values()], credentials, grants };
}
