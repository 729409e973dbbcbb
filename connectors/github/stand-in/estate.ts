/**
 * The data a GitHub stand-in serves: a compact description of organizations that the server
 * renders into GitHub's REST payloads (see responses.ts). Dates are ISO strings, so a demo
 * or test estate can be built relative to any clock.
 */

export interface EstateUser {
  login: string;
  id: number;
}

export interface EstateSecret {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Org-level secrets only. */
  visibility?: 'all' | 'private' | 'selected';
}

export interface EstateHook {
  id: number;
  url: string;
  events: string[];
  active: boolean;
  /** Whether a secret is configured; GitHub only ever shows it masked. */
  hasSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface EstateDeployKey {
  id: number;
  title: string;
  readOnly: boolean;
  addedBy: string | null;
  createdAt: string;
  lastUsed: string | null;
  enabled: boolean;
  /** Older GHES versions omit added_by/last_used/enabled; the connector must cope. */
  legacyShape?: boolean;
  /** The public key added through the API; absent: one derived from the id. */
  publicKey?: string;
}

export interface EstateEnvironment {
  id: number;
  name: string;
  createdAt: string;
  secrets: EstateSecret[];
}

export interface EstateRepo {
  id: number;
  name: string;
  private: boolean;
  archived: boolean;
  createdAt: string;
  deployKeys: EstateDeployKey[];
  actionsSecrets: EstateSecret[];
  dependabotSecrets: EstateSecret[];
  environments: EstateEnvironment[];
  hooks: EstateHook[];
  /** A CODEOWNERS file at one of GitHub's three places (`.github/`, root, `docs/`). */
  codeowners?: { path: string; text: string };
  /** Custom property values (`owner`, `team`…); a multi-select property holds a list. */
  properties?: Record<string, string | string[]>;
}

export type PermissionLevel = 'read' | 'write' | 'admin';

export interface EstatePatGrant {
  /** The grant id (`pat_id` in the API). */
  id: number;
  tokenId: number;
  tokenName: string;
  owner: EstateUser;
  repositorySelection: 'all' | 'subset' | 'none';
  permissions: {
    organization?: Record<string, PermissionLevel>;
    repository?: Record<string, PermissionLevel>;
  };
  accessGrantedAt: string;
  tokenExpiresAt: string | null;
  tokenLastUsedAt: string | null;
  tokenExpired: boolean;
}

export type CredentialAuthorizationType =
  'personal access token' | 'SSH key' | 'OAuth app token' | 'GitHub app token';

export interface EstateCredentialAuthorization {
  credentialId: number;
  login: string;
  type: CredentialAuthorizationType;
  authorizedAt: string;
  accessedAt: string | null;
  authorizedCredentialId: number;
  /** Last eight characters of a token (GitHub shows them); absent for SSH keys. */
  tokenLastEight?: string;
  fingerprint?: string;
  title?: string | null;
  note?: string | null;
  expiresAt?: string | null;
  scopes?: string[];
}

export interface EstateInstallation {
  id: number;
  appId: number;
  appSlug: string;
  repositorySelection: 'all' | 'selected';
  permissions: Record<string, PermissionLevel>;
  events: string[];
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
  suspendedBy?: EstateUser | null;
}

/**
 * A GitHub App as GET /apps/{app_slug} describes it. Installations name it by `appSlug`; the
 * owner is what tells a first-party App (owned by the organization) from a third-party one.
 */
export interface EstateApp {
  id: number;
  slug: string;
  name: string;
  owner: EstateUser & { type: 'Organization' | 'User' };
  description: string | null;
  externalUrl: string;
  /**
   * Private Apps answer 404 to all but their owner's credentials. The stand-in's callers act
   * for the estate's orgs, so it shows a private App only when one of them owns it.
   */
  public: boolean;
  permissions: Record<string, PermissionLevel>;
  events: string[];
  createdAt: string;
  updatedAt: string;
}

export interface EstateOrg {
  id: number;
  login: string;
  name: string;
  createdAt: string;
  /** GitHub Enterprise Cloud: credential authorizations (SAML SSO) exist only there. */
  ghec: boolean;
  /** Installation id of nhi's own GitHub App in this org (App auth path). */
  nhiInstallationId: number;
  repos: EstateRepo[];
  patGrants: EstatePatGrant[];
  credentialAuthorizations: EstateCredentialAuthorization[];
  installations: EstateInstallation[];
  actionsSecrets: EstateSecret[];
  dependabotSecrets: EstateSecret[];
  hooks: EstateHook[];
  /**
   * Member logins. Absent: every account the org's records name is a member (nobody left).
   */
  members?: string[];
}

export interface GitHubEstate {
  orgs: EstateOrg[];
  /** Apps known to GET /apps/{app_slug}; an installed App missing here answers 404. */
  apps?: EstateApp[];
}

/** An empty repository, for tests and generators that fill in only what they need. */
export function emptyRepo(id: number, name: string, createdAt: string): EstateRepo {
  return {
    id,
    name,
    private: true,
    archived: false,
    createdAt,
    deployKeys: [],
    actionsSecrets: [],
    dependabotSecrets: [],
    environments: [],
    hooks: [],
  };
}

export function emptyOrg(id: number, login: string, createdAt: string): EstateOrg {
  return {
    id,
    login,
    name: login,
    createdAt,
    ghec: false,
    nhiInstallationId: 900_000 + id,
    repos: [],
    patGrants: [],
    credentialAuthorizations: [],
    installations: [],
    actionsSecrets: [],
    dependabotSecrets: [],
    hooks: [],
  };
}
