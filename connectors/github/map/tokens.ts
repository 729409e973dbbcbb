/**
 * Tokens of people with access to the organization: fine-grained PAT grants, and the classic
 * PATs, SSH keys and OAuth tokens authorized for its SAML single sign-on.
 */
import { isoOrNull } from '../../../src/connector/index.js';
import type { Credential } from '../../../src/model/index.js';
import type { CredentialAuthorizationPayload, PatGrantPayload } from '../schema.js';
import { expiredBy, none, userIdentity, type Mapped } from './identities.js';
import { privilegeForPermission, privilegeForScope, repoResource } from './privilege.js';

/** Fine-grained PAT grants: the token, its owner, one grant per permission. */
export function mapPatGrants(org: string, items: PatGrantPayload[], now: Date): Mapped {
  const out = none();
  for (const g of items) {
    const owner = userIdentity(g.owner.login);
    out.identities.push(owner);
    const expiresAt = isoOrNull(g.token_expires_at);
    const credId = `fine-grained-pat:${g.id}`;
    const lastUsedAt = isoOrNull(g.token_last_used_at);
    const grantedAt = isoOrNull(g.access_granted_at);
    out.credentials.push({
      externalId: credId,
      identityExternalId: owner.externalId,
      type: 'fine-grained-pat',
      name: g.token_name,
      status: g.token_expired || expiredBy(expiresAt, now) ? 'expired' : 'active',
      createdAt: grantedAt,
      expiresAt,
      lastUsedAt,
      lastUsedKnown: true,
      attributes: {
        // Its owner finds the token by name in Settings > Developer settings; the id is GitHub's.
        handle: `${g.token_name} (token id ${g.token_id})`,
        patGrantId: g.id,
        tokenId: g.token_id,
        owner: g.owner.login,
        repositorySelection: g.repository_selection,
        accessGrantedAt: grantedAt,
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
        grantedAt,
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

/**
 * How a person finds an authorized credential: a token by its last eight characters (GitHub
 * shows them to the owner and in the org's SSO page; they are not the secret), an SSH key by
 * its fingerprint.
 */
function authorizationHandle(c: CredentialAuthorizationPayload): string {
  if (c.token_last_eight) return `…${c.token_last_eight}`;
  if (c.fingerprint) return c.fingerprint;
  return `credential ${c.credential_id}`;
}

/** SAML SSO credential authorizations: classic PATs, SSH keys and OAuth tokens with org access. */
export function mapCredentialAuthorizations(
  org: string,
  items: CredentialAuthorizationPayload[],
  now: Date,
): Mapped {
  const out = none();
  for (const c of items) {
    const owner = userIdentity(c.login);
    out.identities.push(owner);
    const type = CRED_AUTH_TYPES[c.credential_type] ?? 'oauth-token';
    const credId = `credential-authorization:${c.credential_id}`;
    const expiresAt = isoOrNull(c.authorized_credential_expires_at);
    const lastUsedAt = isoOrNull(c.credential_accessed_at);
    const authorizedAt = isoOrNull(c.credential_authorized_at);
    const scopes = c.scopes ?? [];
    out.credentials.push({
      externalId: credId,
      identityExternalId: owner.externalId,
      type,
      name: c.authorized_credential_title ?? c.authorized_credential_note ?? null,
      status: expiredBy(expiresAt, now) ? 'expired' : 'active',
      createdAt: authorizedAt,
      expiresAt,
      lastUsedAt,
      lastUsedKnown: true,
      attributes: {
        handle: authorizationHandle(c),
        credentialId: c.credential_id,
        authorizedCredentialId: c.authorized_credential_id,
        credentialType: c.credential_type,
        owner: c.login,
        authorizedAt,
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
        grantedAt: authorizedAt,
        lastUsedAt,
        lastUsedKnown: true,
        attributes: {},
      });
    }
  }
  return out;
}
