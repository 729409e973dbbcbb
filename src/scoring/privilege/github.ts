/**
 * GitHub grants: classic OAuth / PAT scopes (`scope:<name>`), fine-grained PAT permissions
 * (`organization:<name>`, `repository:<name>`, `other:<name>` with `attributes.level`) and app
 * installation permissions (`<name>` with `attributes.level`). Deploy keys (`contents:…`) are
 * one repository each and judged by deploy-key-write.
 */
import type { StoredGrant } from '../../model/index.js';
import { hitCollector, type SubjectPrivileges } from './types.js';

const ADMIN_SCOPES: Record<string, string> = {
  'admin:org': 'full control of the organization, its teams and members',
  'admin:enterprise': 'full control of the enterprise',
  site_admin: 'site administrator of GitHub Enterprise Server',
};

/** Permissions whose write level changes who may do what. */
const PERMISSIONS_MANAGEMENT: Record<string, string> = {
  organization_administration: 'organization settings',
  members: 'organization members and teams',
  administration: 'repository settings, collaborators and branch protection',
  organization_custom_roles: 'custom repository roles',
  organization_custom_org_roles: 'custom organization roles',
  organization_personal_access_tokens: 'approval of personal access tokens',
  organization_personal_access_token_requests: 'requests for personal access tokens',
};

/** Permissions whose write level lets the holder run as, or take over, other identities. */
const ESCALATION: Record<string, string> = {
  workflows: 'edit workflows: run code with the repository’s secrets and its OIDC identity',
  workflow: 'edit workflows: run code with the repository’s secrets and its OIDC identity',
  organization_self_hosted_runners: 'register runners that receive jobs and their secrets',
  'manage_runners:org': 'register runners that receive jobs and their secrets',
  environments: 'change deployment protection rules and environment secrets',
  'admin:public_key': 'add SSH keys to the user account',
  'write:public_key': 'add SSH keys to the user account',
};

/** Webhooks ship every event (pushes included) to a URL of the holder's choice. */
const DATA: Record<string, string> = {
  organization_hooks: 'organization webhooks',
  repository_hooks: 'repository webhooks',
  'admin:org_hook': 'organization webhooks',
  'admin:repo_hook': 'repository webhooks',
  'write:repo_hook': 'repository webhooks',
};

const WILDCARD_SCOPES: Record<string, string> = {
  repo: 'full control of every private repository the owner can reach',
  delete_repo: 'delete any repository the owner administers',
};

function parse(
  g: StoredGrant,
): { name: string; write: boolean; admin: boolean; scope: boolean } | null {
  if (g.permission.startsWith('scope:')) {
    return { name: g.permission.slice('scope:'.length), write: true, admin: false, scope: true };
  }
  if (g.source === 'deploy key') return null;
  const name = g.permission.slice(g.permission.lastIndexOf(':') + 1);
  const level = String(g.attributes.level ?? '');
  return {
    name,
    write: level === 'write' || level === 'admin',
    admin: level === 'admin',
    scope: false,
  };
}

export function analyseGithub(grants: readonly StoredGrant[]): SubjectPrivileges {
  const found = hitCollector();
  const hit = found.add;
  for (const g of grants) {
    const p = parse(g);
    if (!p) continue;
    const what = `${g.permission}${p.scope ? '' : ` (${String(g.attributes.level)})`} on ${g.resource}`;
    if ((p.scope && ADMIN_SCOPES[p.name]) || p.admin) {
      hit('admin', `${what}: ${ADMIN_SCOPES[p.name] ?? 'admin level'}`, g);
      continue;
    }
    if (!p.write) continue;
    if (!p.scope && PERMISSIONS_MANAGEMENT[p.name])
      hit('permissions-management', `${what}: ${PERMISSIONS_MANAGEMENT[p.name]}`, g);
    const esc = ESCALATION[p.name];
    if (esc && (p.scope || !p.name.includes(':')))
      hit('privilege-escalation', `${what}: ${esc}`, g);
    if (DATA[p.name]) hit('data-exfiltration', `${what}: ${DATA[p.name]}`, g);
    if (p.scope && WILDCARD_SCOPES[p.name])
      hit('service-wildcard', `${what}: ${WILDCARD_SCOPES[p.name]}`, g);
    if (!p.scope && p.name === 'contents' && g.resource.endsWith('/*'))
      hit('service-wildcard', `${what}: push to every repository`, g);
  }
  // An admin credential says everything the narrower classes would.
  if (found.has('admin')) found.only('admin');
  return { hits: found.hits(), undetermined: [] };
}
