/** GitHub App installations, and who owns each App (first- or third-party). */
import { isoOrNull } from '../../../src/connector/index.js';
import type { AppPayload, InstallationPayload } from '../schema.js';
import { identity, ids, none, type Mapped } from './identities.js';
import { privilegeForPermission, repoResource } from './privilege.js';

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
  const out = none();
  const accounts = [org, ...ownAccounts];
  for (const i of items) {
    const owner = owners.get(i.app_slug);
    const createdAt = isoOrNull(i.created_at);
    const app = identity(ids.app(i.app_slug), i.app_slug, 'github-app', {
      createdAt,
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
      createdAt,
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        // The org's Settings > GitHub Apps page links each installation by this id.
        handle: `installation ${i.id}`,
        installationId: i.id,
        appId: i.app_id,
        repositorySelection: i.repository_selection,
        events: i.events,
        updatedAt: isoOrNull(i.updated_at),
        suspendedAt: isoOrNull(i.suspended_at),
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
        grantedAt: createdAt,
        lastUsedAt: null,
        lastUsedKnown: false,
        attributes: { level: lvl },
      });
    }
  }
  return out;
}
