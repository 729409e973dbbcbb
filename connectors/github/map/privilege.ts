/** GitHub permission levels and classic OAuth scopes -> privilege, and where a grant applies. */
import type { Privilege } from '../../../src/model/index.js';

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

const WRITE_SCOPES = new Set([
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
]);

/** A classic OAuth / PAT scope -> privilege (https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps). */
export function privilegeForScope(scope: string): Privilege {
  if (scope.startsWith('admin:') || scope === 'delete_repo' || scope === 'site_admin')
    return 'admin';
  if (scope.startsWith('read:')) return 'read';
  if (
    WRITE_SCOPES.has(scope) ||
    scope.startsWith('write:') ||
    scope.startsWith('delete:') ||
    scope.startsWith('user:')
  )
    return 'write';
  return 'unknown';
}

/** The repositories a token or installation reaches: all, a selection, or none. */
export function repoResource(org: string, selection: string): string | null {
  if (selection === 'all') return `${org}/*`;
  if (selection === 'subset' || selection === 'selected') return `${org}/(selected repositories)`;
  return null;
}
