import { z } from 'zod';
import { defineRule } from '../types.js';
import { asRecord, fail } from './_helpers.js';

function isThirdParty(a: Record<string, unknown>, scopeId: string): boolean {
  // The connector's verdict wins: it knows which other orgs in the scan are the user's own.
  if (a.thirdParty === false) return false;
  if (a.thirdParty === true || a.external === true) return true;
  const owner = a.appOwnerOrganizationId ?? a.appOwner;
  return typeof owner === 'string' && owner !== '' && owner !== scopeId;
}

export const thirdPartyAppWrite = defineRule({
  id: 'third-party-app-write',
  title: 'Third-party app with broad write permissions',
  description:
    'An app owned by another organisation (a GitHub App installed from the marketplace, a ' +
    'multi-tenant Entra app) can write to sensitive areas or holds many write permissions. A ' +
    'compromise at the vendor becomes a compromise of yours.',
  help:
    'Review the installation: reduce its permissions and repository access, or uninstall it. ' +
    'Prefer vendors that ask for read-only access.',
  severity: 'high',
  owasp: 'NHI3',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: ['Review the third-party app {name}: reduce its permissions and reach, or remove it'],
      docs: [],
    },
    providers: {
      github: {
        steps: [
          'Organization settings > GitHub Apps > {name} > Configure: restrict "Repository access" to the repositories it needs, or Uninstall',
          'Ask the vendor for a version that requests read-only permissions; GitHub asks an owner to approve permission increases',
        ],
        docs: [
          'https://docs.github.com/apps/using-github-apps/reviewing-and-modifying-installed-github-apps',
        ],
      },
      azure: {
        steps: [
          'Entra admin center > Enterprise applications > {name} > Permissions: review admin consent and revoke what the app does not need (or disable the app: Properties > Enabled for users to sign in = No)',
        ],
        docs: [
          'https://learn.microsoft.com/entra/identity/enterprise-apps/manage-application-permissions',
        ],
      },
    },
  },
  signals: [],
  options: z.object({
    sensitivePermissions: z
      .array(z.string())
      .default([
        'administration',
        'contents',
        'workflows',
        'secrets',
        'actions',
        'members',
        'organization_administration',
        'Directory.ReadWrite.All',
        'Application.ReadWrite.All',
        'AppRoleAssignment.ReadWrite.All',
        'RoleManagement.ReadWrite.Directory',
      ])
      .describe('Any write access to one of these is broad'),
    maxWritePermissions: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('More write permissions than this is broad'),
    kinds: z
      .array(z.string())
      .default(['github-app', 'service-principal', 'application'])
      .describe('Identity kinds checked'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      const { sensitivePermissions, maxWritePermissions, kinds } = ctx.options(identity);
      if (!kinds.includes(identity.kind) || !isThirdParty(identity.attributes, identity.scopeId))
        continue;
      const writes = new Set<string>();
      for (const g of ctx.grantsOf(identity))
        if (g.privilege === 'write' || g.privilege === 'admin') writes.add(g.permission);
      // GitHub installations may carry their permission map as an attribute instead of grants.
      for (const [perm, level] of Object.entries(asRecord(identity.attributes.permissions) ?? {})) {
        if (level === 'write' || level === 'admin') writes.add(perm);
      }
      const list = [...writes].sort();
      // GitHub permissions may be prefixed by level (`repository:contents`); match the bare name too.
      const sensitive = list.filter(
        (p) =>
          sensitivePermissions.includes(p) ||
          sensitivePermissions.includes(p.slice(p.lastIndexOf(':') + 1)),
      );
      if (sensitive.length === 0 && list.length <= maxWritePermissions) continue;
      yield fail(
        identity,
        undefined,
        `third-party app ${identity.name} has write access to ${list.join(', ')}`,
        {
          writePermissions: list,
          sensitive,
          maxWritePermissions,
        },
      );
    }
  },
});
